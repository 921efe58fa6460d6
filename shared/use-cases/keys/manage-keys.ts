// Creating, listing and revoking API keys (admin routes and the ops command share these). A key is shown once, when
// it is created; afterwards only its prefix identifies it.
import { type ApiKeyRecord, type ApiKeyView, type MintedKey, mintApiKey, viewOf } from '../../domain/api-key.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { ApiKeyStore } from '../../ports/api-keys.ts';

export interface KeyDeps {
  keys: ApiKeyStore;
  clock: () => Date;
  mint?: () => MintedKey;
}

interface NewKeyRequest {
  consumer_id?: string;
  admin?: boolean;
  label?: string;
}

interface CreatedKey {
  key: ApiKeyView;
  /** the key itself: returned this once, stored only as a hash */
  api_key: string;
}

export async function createApiKey(deps: KeyDeps, req: NewKeyRequest): Promise<CreatedKey> {
  const admin = req.admin === true;
  if (admin === (req.consumer_id !== undefined)) {
    throw new ValidationError('a key belongs to one consumer (consumer_id) or is an admin key (admin: true), not both or neither', {
      field: req.consumer_id === undefined ? 'consumer_id' : 'admin',
    });
  }
  // a clash of 48-bit ids is astronomically unlikely; a second draw settles it
  for (let draw = 0; draw < 3; draw++) {
    const minted = (deps.mint ?? mintApiKey)();
    const record: ApiKeyRecord = {
      key_id: minted.key_id,
      prefix: minted.prefix,
      hash: minted.hash,
      ...(req.consumer_id !== undefined ? { consumer_id: req.consumer_id } : {}),
      admin,
      ...(req.label ? { label: req.label } : {}),
      created_at: deps.clock().toISOString(),
    };
    if (await deps.keys.create(record)) return { key: viewOf(record), api_key: minted.key };
  }
  throw new ConflictError('could not allocate a key id; try again', {}, 'key_id_taken');
}

export async function listApiKeys(
  deps: KeyDeps,
  filter: { consumer_id?: string; include_revoked?: boolean } = {},
): Promise<ApiKeyView[]> {
  return (await deps.keys.list())
    .filter((k) => filter.consumer_id === undefined || k.consumer_id === filter.consumer_id)
    .filter((k) => filter.include_revoked !== false || k.revoked_at === undefined)
    .map(viewOf);
}

export async function revokeApiKey(deps: KeyDeps, keyId: string): Promise<ApiKeyView> {
  const revoked = await deps.keys.revoke(keyId, deps.clock().toISOString());
  if (!revoked) throw new NotFoundError(`no API key ${keyId}`, { key_id: keyId });
  return viewOf(revoked);
}
