// Query-string validation with zod: every value arrives as a string, an empty one counts as absent, unknown
// parameters are ignored, and the first bad value becomes a 400 naming the parameter in `field`.
import { z } from 'zod';
import { ValidationError } from '../domain/errors.ts';
import { isProviderName, PROVIDERS } from '../domain/offer.ts';

export function parseQuery<S extends z.ZodType>(schema: S, raw: Record<string, string | undefined>): z.output<S> {
  const given = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? 'query');
    throw new ValidationError(`invalid query parameter ${field}: ${issue.message}`, { field });
  }
  return parsed.data;
}

export const decimalParam = (hint: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, `must be a non-negative number (${hint})`)
    .transform(Number);

export const wholeParam = (hint: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a non-negative whole number (${hint})`)
    .transform(Number);

export const providerParam = () =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine(isProviderName, `unknown provider; known providers: ${PROVIDERS.join(', ')}`)
    .transform((p) => p as (typeof PROVIDERS)[number]);

export const textParam = () => z.string().trim().max(100, 'must be at most 100 characters');
