// Webhooks in the single table: WEBHOOK#<id> / WEBHOOK, indexed by consumer (gsi1, what the dispatcher reads for
// every event) and all together (gsi3, the admin listing).
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Webhook, WebhookStore } from '../../ports/webhooks.ts';
import { queryAll } from './query-all.ts';

const key = (id: string) => ({ pk: `WEBHOOK#${id}`, sk: 'WEBHOOK' });

function fromItem(item: Record<string, unknown>): Webhook {
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi3pk: _c, gsi3sk: _d, ...rest } = item;
  return rest as unknown as Webhook;
}

export class DynamoWebhookStore implements WebhookStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(webhook: Webhook): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...webhook,
          ...key(webhook.id),
          gsi1pk: `WEBHOOKS#${webhook.consumer_id}`,
          gsi1sk: `${webhook.created_at}#${webhook.id}`,
          gsi3pk: 'WEBHOOKS',
          gsi3sk: `${webhook.created_at}#${webhook.id}`,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(id: string): Promise<Webhook | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }));
    return Item ? fromItem(Item) : undefined;
  }

  async list(consumerId?: string): Promise<Webhook[]> {
    const items = await queryAll(
      this.db,
      consumerId === undefined
        ? {
            TableName: this.tableName,
            IndexName: 'gsi3',
            KeyConditionExpression: 'gsi3pk = :pk',
            ExpressionAttributeValues: { ':pk': 'WEBHOOKS' },
          }
        : {
            TableName: this.tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :pk',
            ExpressionAttributeValues: { ':pk': `WEBHOOKS#${consumerId}` },
          },
    );
    return items.map(fromItem);
  }

  async delete(id: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: key(id) }));
  }
}
