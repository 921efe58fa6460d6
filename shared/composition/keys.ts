// Wiring of the API-key store (authorizer, key routes), once per process. Only the document client: the authorizer
// sits in front of every request, so its cold start loads nothing else.
import { DynamoApiKeyStore } from '../adapters/dynamodb/api-key-store.ts';
import { config } from '../config.ts';
import type { ApiKeyStore } from '../ports/api-keys.ts';
import { documentClient } from './dynamodb.ts';

let keys: ApiKeyStore | undefined;

export function apiKeyStore(): ApiKeyStore {
  keys ??= new DynamoApiKeyStore(documentClient(), config().require('TABLE_NAME'));
  return keys;
}
