// The month counter a session's hold moves, written in the same transaction as the session. DynamoDB conditions
// cannot add, so the limit is read first and the write is conditioned twice: the counter's committed figure is at
// most limit − growth, and the budget still has the limit that was read (a changed budget makes the caller retry).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { round6 } from '../../domain/costs.ts';
import { BudgetExceededError } from '../../domain/errors.ts';
import type { HoldChange, MonthCommitment } from '../../domain/budget-hold.ts';
import { budgetKey, monthKey } from './budget-keys.ts';

/** The limit in force, or null when the consumer has no budget. */
export async function readLimit(db: DynamoDBDocumentClient, tableName: string, consumerId: string): Promise<number | null> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: budgetKey(consumerId), ConsistentRead: true }));
  return Item ? Number(Item['monthly_limit_usd']) : null;
}

export async function readCommitment(
  db: DynamoDBDocumentClient,
  tableName: string,
  consumerId: string,
  month: string,
): Promise<MonthCommitment> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: monthKey(consumerId, month), ConsistentRead: true }));
  const n = (k: string) => round6(Number(Item?.[k] ?? 0));
  return {
    consumer_id: consumerId,
    month,
    held_usd: n('held_usd'),
    settled_usd: n('settled_usd'),
    committed_usd: n('committed_usd'),
    overrun_usd: n('overrun_usd'),
    alerted: { pct80: Item?.['alerted_80'] as string | undefined, pct100: Item?.['alerted_100'] as string | undefined },
  };
}

/** The transaction items for a hold change: the counter update, and for growth the budget's condition check. */
export function holdItems(tableName: string, change: HoldChange, limit: number | null) {
  const committedDelta = round6(change.held_delta + change.settled_delta);
  const guarded = change.grows && limit !== null;
  const update = {
    Update: {
      TableName: tableName,
      Key: monthKey(change.consumer_id, change.month),
      UpdateExpression: 'ADD held_usd :h, settled_usd :s, committed_usd :c, overrun_usd :o SET updated_at = :now',
      ...(guarded ? { ConditionExpression: 'attribute_not_exists(committed_usd) OR committed_usd <= :max' } : {}),
      ExpressionAttributeValues: {
        ':h': change.held_delta,
        ':s': change.settled_delta,
        ':c': committedDelta,
        ':o': change.overrun,
        ':now': new Date().toISOString(),
        ...(guarded ? { ':max': round6(limit - committedDelta) } : {}),
      },
    },
  };
  if (!change.grows) return [update];
  const check = {
    ConditionCheck: {
      TableName: tableName,
      Key: budgetKey(change.consumer_id),
      ...(limit === null
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'monthly_limit_usd = :limit', ExpressionAttributeValues: { ':limit': limit } }),
    },
  };
  return [update, check];
}

/** Growth beyond the limit: refused before any write when it cannot fit even an empty month. */
export function exceedsOutright(change: HoldChange, limit: number | null): boolean {
  return change.grows && limit !== null && round6(change.held_delta + change.settled_delta) > limit;
}

export async function budgetRefusal(
  db: DynamoDBDocumentClient,
  tableName: string,
  change: HoldChange,
  limit: number,
): Promise<BudgetExceededError> {
  const { committed_usd } = await readCommitment(db, tableName, change.consumer_id, change.month);
  const requested = round6(change.held_delta + change.settled_delta);
  return new BudgetExceededError(
    `$${requested} more would take ${change.consumer_id} past its monthly budget of $${limit} ($${committed_usd} already committed)`,
    { limit_usd: limit, committed_usd, requested_usd: requested, remaining_usd: round6(Math.max(0, limit - committed_usd)) },
  );
}
