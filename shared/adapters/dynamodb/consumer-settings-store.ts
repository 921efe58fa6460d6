// A consumer's session defaults: one item, CONSUMER#<consumer> / SETTINGS.
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ConsumerSettings, ConsumerSettingsStore } from '../../ports/consumer-settings.ts';

const key = (consumerId: string) => ({ pk: `CONSUMER#${consumerId}`, sk: 'SETTINGS' });

export class DynamoConsumerSettingsStore implements ConsumerSettingsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(consumerId: string): Promise<ConsumerSettings | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key(consumerId), ConsistentRead: true }));
    if (!Item) return undefined;
    const idle = Item['idle_stop_minutes'];
    return {
      consumer_id: consumerId,
      ...(typeof idle === 'number' ? { idle_stop_minutes: idle } : {}),
      updated_at: String(Item['updated_at']),
    };
  }

  async put(settings: ConsumerSettings): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...key(settings.consumer_id), ...settings } }));
  }
}
