import * as z from 'zod';
import { identifier } from './common.ts';

export const createKeyBody = z.object({
  consumer_id: identifier(128).optional(),
  admin: z.boolean().optional(),
  label: z
    .string()
    .trim()
    .max(100)
    .regex(/^[\p{L}\p{N} ._:/@+()-]*$/u, 'may contain only letters, digits, spaces and . _ : / @ + ( ) -')
    .optional(),
});

export const listKeysQuery = z.object({
  consumer_id: identifier(128).optional(),
  include_revoked: z.enum(['true', 'false']).optional(),
});

export const keyPath = z.object({ id: z.string() });
