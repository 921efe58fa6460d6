import type { ApiKeyRecord } from '../domain/api-key.ts';

export interface ApiKeyStore {
  /** stores a new key; false when its id is already taken */
  create(record: ApiKeyRecord): Promise<boolean>;
  get(keyId: string): Promise<ApiKeyRecord | undefined>;
  /** newest first */
  list(): Promise<ApiKeyRecord[]>;
  /** marks the key revoked (keeping the first revocation time); undefined when there is no such key */
  revoke(keyId: string, at: string): Promise<ApiKeyRecord | undefined>;
}
