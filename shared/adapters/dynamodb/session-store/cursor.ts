// The listing cursor: the last key of a page, as opaque base64url JSON, and the check that a cursor handed back is
// one this API issued.
import { ValidationError } from '../../../domain/errors.ts';

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/**
 * A cursor is the last key of a page this API issued for the same index and partition. Anything else is refused
 * here: DynamoDB would answer a foreign start key with an error (a 500), or page through another partition.
 */
export function decodeCursor(cursor: string | undefined, index: string, partition: string): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const fields = ['pk', 'sk', `${index}pk`, `${index}sk`];
  const k = key as Record<string, unknown> | undefined;
  const valid =
    k !== null &&
    typeof k === 'object' &&
    !Array.isArray(k) &&
    Object.keys(k).length === fields.length &&
    fields.every((f) => typeof k[f] === 'string' && (k[f] as string).length > 0 && (k[f] as string).length <= 512) &&
    /^SESSION#[0-9a-f-]{36}$/.test(k['pk'] as string) &&
    k['sk'] === 'SESSION' &&
    k[`${index}pk`] === partition;
  if (!valid) throw new ValidationError('cursor is not a cursor this API issued for this query', { field: 'cursor' });
  return k as Record<string, unknown>;
}
