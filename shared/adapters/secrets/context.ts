// Encryption-context handling shared by the cipher adapters.
import type { SecretContext } from '../../ports/secret-cipher.ts';

/** A context must name what the secret belongs to: at least one entry, non-empty keys and values. */
export function assertContext(context: SecretContext): void {
  const entries = Object.entries(context ?? {});
  if (entries.length === 0) throw new TypeError('secret cipher: the encryption context must have at least one entry');
  for (const [key, value] of entries) {
    if (key === '' || typeof value !== 'string' || value === '') {
      throw new TypeError(`secret cipher: encryption context entry "${key}" must be a non-empty string`);
    }
  }
}

/** Order-independent encoding of the context, used as AES-GCM additional data. */
export function canonicalContext(context: SecretContext): string {
  return JSON.stringify(
    Object.keys(context)
      .sort()
      .map((key) => [key, context[key]]),
  );
}
