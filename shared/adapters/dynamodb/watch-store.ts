// Watches in the single table: WATCH#<id> / WATCH, by consumer in gsi1, the active ones in a sparse gsi2 partition
// (the check reads them all with one query), removed by TTL a week after they expire.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrencyError, NotFoundError } from '../../domain/errors.ts';
import type { Watch } from '../../domain/watch.ts';
import type { WatchStore } from '../../ports/watches.ts';
import { queryAll } from './query-all.ts';

const key = (id: string) => ({ pk: `WATCH#${id}`, sk: 'WATCH' });
const KEPT_AFTER_EXPIRY_SECONDS = 7 * 24 * 3600;

function toItem(w: Watch): Record<string, unknown> {
  return {
    ...w,
    ...key(w.id),
    gsi1pk: `WATCHES#${w.consumer_id}`,
    gsi1sk: `${w.created_at}#${w.id}`,
    ...(w.status === 'active' ? { gsi2pk: 'WATCHES_ACTIVE', gsi2sk: `${w.expires_at}#${w.id}` } : {}),
    gsi3pk: 'WATCHES',
    gsi3sk: `${w.created_at}#${w.id}`,
    ttl: Math.floor(Date.parse(w.expires_at) / 1000) + KEPT_AFTER_EXPIRY_SECONDS,
  };
}

function fromItem(item: Record<string, unknown>): Watch {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, gsi2pk: _e, gsi2sk: _f, gsi3pk: _g, gsi3sk: _h, ttl: _i, ...rest } = item;
  return rest as unknown as Watch;
}

export class DynamoWatchStore implements WatchStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(watch: Watch): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: toItem(watch), ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async get(id: string): Promise<Watch | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }));
    return Item ? fromItem(Item) : undefined;
  }

  async list(consumerId: string | undefined, limit: number): Promise<Watch[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: consumerId ? 'gsi1' : 'gsi3',
        KeyConditionExpression: consumerId ? 'gsi1pk = :pk' : 'gsi3pk = :pk',
        ExpressionAttributeValues: { ':pk': consumerId ? `WATCHES#${consumerId}` : 'WATCHES' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map(fromItem);
  }

  async listActive(): Promise<Watch[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': 'WATCHES_ACTIVE' },
    });
    return items.map(fromItem);
  }

  async apply(id: string, change: (w: Watch) => Partial<Watch> | undefined): Promise<{ watch: Watch; applied: boolean }> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const current = await this.get(id);
      if (!current) throw new NotFoundError(`watch ${id} not found`, { watch_id: id });
      const changes = change(current);
      if (!changes) return { watch: current, applied: false };
      const next: Watch = { ...current, ...changes, id, version: current.version + 1 };
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: toItem(next),
            ConditionExpression: 'version = :v',
            ExpressionAttributeValues: { ':v': current.version },
          }),
        );
        return { watch: next, applied: true };
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
      }
    }
    throw new ConcurrencyError(`watch ${id} kept changing under concurrent writers`, { watch_id: id });
  }
}
