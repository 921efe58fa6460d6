// The cost ledger: one item per instance attempt (SESSION#<id> / COST#<nn>), indexed by consumer and time (gsi1) and
// by time alone (gsi3) for summaries. Every operation is idempotent, because Step Functions may run a task twice.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { providerCost } from '../../domain/costs.ts';
import { queryAll } from './query-all.ts';
import type { CostLedger, CostRecord } from '../../ports/cost-ledger.ts';

const costKey = (sessionId: string, attempt: number) => ({
  pk: `SESSION#${sessionId}`,
  sk: `COST#${String(attempt).padStart(3, '0')}`,
});

function fromItem(item: Record<string, unknown>): CostRecord {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, gsi3pk: _e, gsi3sk: _f, ...rest } = item;
  return rest as unknown as CostRecord;
}

export class DynamoCostLedger implements CostLedger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async open(record: Omit<CostRecord, 'refunded' | 'currency'>): Promise<void> {
    const indexKey = `${record.started_at}#${record.session_id}#${record.attempt}`;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...costKey(record.session_id, record.attempt),
            ...record,
            refunded: false,
            currency: 'USD',
            gsi1pk: `COST#${record.consumer_id}`,
            gsi1sk: indexKey,
            gsi3pk: 'COSTS',
            gsi3sk: indexKey,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  private async read(sessionId: string, attempt: number): Promise<CostRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: costKey(sessionId, attempt), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async markRunning(sessionId: string, attempt: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: costKey(sessionId, attempt),
          UpdateExpression: 'SET reached_running = :t',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':t': true },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async close(sessionId: string, attempt: number, endedAt: string): Promise<CostRecord | undefined> {
    const current = await this.read(sessionId, attempt);
    if (!current || current.ended_at) return current;
    const cost = providerCost(current.price_per_hour, current.started_at, endedAt);
    const billed = current.reached_running && !current.refunded ? cost : 0;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: costKey(sessionId, attempt),
          // a refund recorded before the end was known refunds the whole cost once it is known
          UpdateExpression: current.refunded
            ? 'SET ended_at = :e, provider_cost = :p, billed_cost = :b, refund_amount = :p'
            : 'SET ended_at = :e, provider_cost = :p, billed_cost = :b',
          ConditionExpression: 'attribute_not_exists(ended_at)',
          ExpressionAttributeValues: { ':e': endedAt, ':p': cost, ':b': billed },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
    return this.read(sessionId, attempt);
  }

  async refund(sessionId: string, attempt: number, reason: string): Promise<CostRecord | undefined> {
    const current = await this.read(sessionId, attempt);
    if (!current || current.refunded) return current;
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: costKey(sessionId, attempt),
        // the refund is what the consumer would otherwise have paid for this attempt: all of it
        UpdateExpression: 'SET refunded = :t, billed_cost = :zero, refund_amount = :amount, refund_reason = :reason',
        ExpressionAttributeValues: {
          ':t': true,
          ':zero': 0,
          ':amount': current.provider_cost ?? 0,
          ':reason': reason,
        },
      }),
    );
    return this.read(sessionId, attempt);
  }

  async forSession(sessionId: string): Promise<CostRecord[]> {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `SESSION#${sessionId}`, ':prefix': 'COST#' },
        ConsistentRead: true,
      }),
    );
    return (page.Items ?? []).map(fromItem);
  }

  async forConsumer(consumerId: string | undefined, from: Date, to: Date): Promise<CostRecord[]> {
    const [index, pk] = consumerId ? ['gsi1', `COST#${consumerId}`] : ['gsi3', 'COSTS'];
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: index,
      KeyConditionExpression: `${index}pk = :pk AND ${index}sk BETWEEN :from AND :to`,
      ExpressionAttributeValues: { ':pk': pk, ':from': from.toISOString(), ':to': `${to.toISOString()}\uffff` },
    });
    return items.map(fromItem);
  }
}
