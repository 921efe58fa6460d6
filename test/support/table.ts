import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { ensureTable } from '../../local/table-setup.ts';
import { createDocumentClient } from '../../shared/composition/dynamodb.ts';

/** A fresh table in the shared DynamoDB Local, and a document client for it. */
export async function freshTable(prefix = 't') {
  const endpoint = inject('dynamoDbEndpoint');
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  await ensureTable(endpoint, tableName);
  return { endpoint, tableName, db: createDocumentClient(endpoint) };
}
