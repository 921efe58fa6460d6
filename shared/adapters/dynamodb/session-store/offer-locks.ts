// OFFERLOCK#<consumer>#<offer>: at most one active session per consumer and offer. Written in the create
// transaction; deleted once its session is no longer active, and only by (or for) the session that holds it.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

type TableKey = { pk: string; sk: string };

export const lockKey = (consumerId: string, offerId: string): TableKey => ({ pk: `OFFERLOCK#${consumerId}#${offerId}`, sk: 'LOCK' });

export function lockItem(consumerId: string, offerId: string, sessionId: string): Record<string, unknown> {
  return { ...lockKey(consumerId, offerId), session_id: sessionId };
}

/** The session holding the lock, if any. */
export async function lockHolder(db: DynamoDBDocumentClient, tableName: string, key: TableKey): Promise<string | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  return Item ? String(Item['session_id']) : undefined;
}

/** Deletes the lock if `sessionId` still holds it (another session's lock is left alone). */
export async function deleteLock(db: DynamoDBDocumentClient, tableName: string, key: TableKey, sessionId: string): Promise<void> {
  try {
    await db.send(
      new DeleteCommand({
        TableName: tableName,
        Key: key,
        ConditionExpression: 'session_id = :id',
        ExpressionAttributeValues: { ':id': sessionId },
      }),
    );
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
  }
}
