// IDEMPOTENCY#<consumer>#<key>: an Idempotency-Key → the session it created and a hash of its request, kept a day.
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

const idempotencyKey = (consumerId: string, key: string) => ({ pk: `IDEMPOTENCY#${consumerId}#${key}`, sk: 'IDEMPOTENCY' });

export function idempotencyItem(
  consumerId: string,
  idempotency: { key: string; request_hash: string },
  sessionId: string,
  createdAt: string,
): Record<string, unknown> {
  return {
    ...idempotencyKey(consumerId, idempotency.key),
    session_id: sessionId,
    request_hash: idempotency.request_hash,
    ttl: Math.floor(Date.parse(createdAt) / 1000) + IDEMPOTENCY_TTL_SECONDS,
  };
}

export async function readIdempotency(
  db: DynamoDBDocumentClient,
  tableName: string,
  consumerId: string,
  key: string,
): Promise<{ session_id: string; request_hash: string } | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: idempotencyKey(consumerId, key), ConsistentRead: true }));
  return Item ? { session_id: String(Item['session_id']), request_hash: String(Item['request_hash']) } : undefined;
}
