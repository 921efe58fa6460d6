// SESSION#<id> / SECRET: the session's encrypted private key and its public keys, deleted at teardown.
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SessionSecret } from '../../../ports/session-store.ts';

const secretKey = (id: string) => ({ pk: `SESSION#${id}`, sk: 'SECRET' });

export function secretItem(sessionId: string, secret: SessionSecret): Record<string, unknown> {
  return { ...secretKey(sessionId), ...secret };
}

export async function readSecret(db: DynamoDBDocumentClient, tableName: string, sessionId: string): Promise<SessionSecret | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: secretKey(sessionId), ConsistentRead: true }));
  if (!Item) return undefined;
  return {
    session_id: String(Item['session_id']),
    private_key_ciphertext: String(Item['private_key_ciphertext']),
    public_keys: (Item['public_keys'] as string[]) ?? [],
  };
}

export async function deleteSecret(db: DynamoDBDocumentClient, tableName: string, sessionId: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: tableName, Key: secretKey(sessionId) }));
}
