// The reconciler's memory: one item per provider (RECONCILER#<provider> / MEMORY), written under an optimistic
// lock so that two overlapping runs cannot both count the same miss.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ProviderName } from '../../domain/offer.ts';
import type { ReconcilerMemory, ReconcilerMemoryStore } from '../../ports/reconciler-memory.ts';

const key = (provider: ProviderName) => ({ pk: `RECONCILER#${provider}`, sk: 'MEMORY' });

export class DynamoReconcilerMemory implements ReconcilerMemoryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(provider: ProviderName): Promise<ReconcilerMemory> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key(provider), ConsistentRead: true }),
    );
    return {
      provider,
      first_seen: (Item?.['first_seen'] as ReconcilerMemory['first_seen'] | undefined) ?? {},
      misses: (Item?.['misses'] as ReconcilerMemory['misses'] | undefined) ?? {},
      version: (Item?.['version'] as number | undefined) ?? 0,
    };
  }

  async save(memory: ReconcilerMemory): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key(memory.provider),
            first_seen: memory.first_seen,
            misses: memory.misses,
            version: memory.version + 1,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR version = :v',
          ExpressionAttributeValues: { ':v': memory.version },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
