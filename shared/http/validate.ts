// Validation of request parts with zod: the first problem becomes a 400 naming the field at fault.
import type { z } from 'zod';
import { ValidationError } from '../domain/errors.ts';
import { sanitizeEcho } from '../observability/redact.ts';

export function validate<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path' | 'header'): z.output<S> {
  if (where === 'body' && (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw new ValidationError('request body must be a JSON object', { field: 'body' });
  }
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.') || where;
  // zod's messages are ours (they name limits like ">=1", never echo the input), so only the field path is cleaned
  throw new ValidationError(`${sanitizeEcho(field, 100)}: ${issue.message.slice(0, 200)}`, { field: sanitizeEcho(field, 100) });
}
