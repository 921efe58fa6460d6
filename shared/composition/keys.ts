// Wiring of the API-key store (authorizer, key routes), once per process.
import { DynamoApiKeyStore } from '../adapters/dynamodb/api-key-store.ts';
import type { ApiKeyStore } from '../ports/api-keys.ts';
import { sharedStores } from './shared-clients.ts';

let keys: ApiKeyStore | undefined;

export function apiKeyStore(): ApiKeyStore {
  if (!keys) {
    const { db, tableName } = sharedStores();
    keys = new DynamoApiKeyStore(db, tableName);
  }
  return keys;
}
