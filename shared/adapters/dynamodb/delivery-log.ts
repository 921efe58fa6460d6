// Webhook deliveries in the single table: WEBHOOK#<id> / DELIVERY#<event at>#<event id>, one item per webhook and
// event (a redelivered event finds and updates its record), newest first by the event's time, kept 30 days.
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Delivery, DeliveryLog } from '../../ports/webhooks.ts';

const RETENTION_SECONDS = 30 * 86_400;

const key = (webhookId: string, eventAt: string, eventId: string) => ({
  pk: `WEBHOOK#${webhookId}`,
  sk: `DELIVERY#${eventAt}#${eventId}`,
});

function fromItem(item: Record<string, unknown>): Delivery {
  const { pk: _pk, sk: _sk, ttl: _ttl, ...rest } = item;
  return rest as unknown as Delivery;
}

export class DynamoDeliveryLog implements DeliveryLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(webhookId: string, eventAt: string, eventId: string): Promise<Delivery | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key(webhookId, eventAt, eventId), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async put(delivery: Delivery): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...delivery,
          ...key(delivery.webhook_id, delivery.event_at, delivery.event_id),
          ttl: Math.floor(Date.parse(delivery.event_at) / 1000) + RETENTION_SECONDS,
        },
      }),
    );
  }

  async list(webhookId: string, limit: number): Promise<Delivery[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `WEBHOOK#${webhookId}`, ':prefix': 'DELIVERY#' },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map(fromItem);
  }
}
