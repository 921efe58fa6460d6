// Who is calling: the bearer key's consumer (or admin), or a reason to refuse. The key is never echoed or logged;
// only its id is, once it is known to be well-formed.
import { bearerToken, hashApiKey, parseApiKey, sameHash } from '../../domain/api-key.ts';
import type { ApiKeyStore } from '../../ports/api-keys.ts';

interface Principal {
  keyId: string;
  /** empty for admin keys, which act for no consumer in particular */
  consumerId: string;
  admin: boolean;
}

type RefusalReason = 'missing' | 'malformed' | 'unknown' | 'revoked';

type AuthOutcome = { ok: true; principal: Principal } | { ok: false; reason: RefusalReason; keyId?: string };

export async function authenticate(keys: ApiKeyStore, authorization: string | undefined): Promise<AuthOutcome> {
  if (authorization === undefined || authorization.trim() === '') return { ok: false, reason: 'missing' };
  const token = bearerToken(authorization);
  const parsed = token === undefined ? undefined : parseApiKey(token);
  if (!token || !parsed) return { ok: false, reason: 'malformed' };
  const record = await keys.get(parsed.key_id);
  // the hash is compared even for a known id, so a guessed id with a wrong secret is just unknown
  if (!record || !sameHash(record.hash, hashApiKey(token))) return { ok: false, reason: 'unknown', keyId: parsed.key_id };
  if (record.revoked_at) return { ok: false, reason: 'revoked', keyId: parsed.key_id };
  if (record.admin) return { ok: true, principal: { keyId: record.key_id, consumerId: '', admin: true } };
  // a consumer key without a consumer would act for everyone: refuse it rather than guess
  if (!record.consumer_id) return { ok: false, reason: 'unknown', keyId: parsed.key_id };
  return { ok: true, principal: { keyId: record.key_id, consumerId: record.consumer_id, admin: false } };
}
