import * as z from 'zod';
import { textParam } from '../query.ts';

const booleanParam = () =>
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false', '1', '0']))
    .transform((v) => v === 'true' || v === '1');

export const templatesQuery = z.object({
  name: textParam().optional(),
  image: textParam().optional(),
  recommended: booleanParam().optional(),
});

export const templatePath = z.object({ hash_id: z.string().meta({ description: 'Vast.ai template hash id' }) });

export const compatibleTemplatesQuery = z.object({ include_incompatible: booleanParam().optional() });
