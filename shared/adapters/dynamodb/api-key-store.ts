// API keys in the single table, one item per key: APIKEY#<id> / APIKEY, holding the key's SHA-256 and never the key.
// gsi3 (partition APIKEYS) lists them by creation time.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord } from '../../domain/api-key.ts';
import type { ApiKeyStore } from '../../ports/api-keys.ts';

const key = (keyId: string) => ({ pk: `APIKEY#${keyId}`, sk: 'APIKEY' });

function fromItem(item: Record<string, unknown>): ApiKeyRecord {
  return {
    key_id: String(item['key_id']),
    prefix: String(item['prefix']),
    hash: String(item['hash']),
    ...(typeof item['consumer_id'] === 'string' ? { consumer_id: item['consumer_id'] } : {}),
    admin: item['admin'] === true,
    ...(typeof item['label'] === 'string' ? { label: item['label'] } : {}),
    created_at: String(item['created_at']),
    ...(typeof item['revoked_at'] === 'string' ? { revoked_at: item['revoked_at'] } : {}),
  };
}

export class DynamoApiKeyStore implements ApiKeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(record: ApiKeyRecord): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...record, ...key(record.key_id), gsi3pk: 'APIKEYS', gsi3sk: `${record.created_at}#${record.key_id}` },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async get(keyId: string): Promise<ApiKeyRecord | undefined> {
    // consistent: a revocation counts from the moment it is answered
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key(keyId), ConsistentRead: true }));
    return Item ? fromItem(Item) : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const out: ApiKeyRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi3',
          KeyConditionExpression: 'gsi3pk = :pk',
          ExpressionAttributeValues: { ':pk': 'APIKEYS' },
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) out.push(fromItem(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out;
  }

  async revoke(keyId: string, at: string): Promise<ApiKeyRecord | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(keyId),
          UpdateExpression: 'SET revoked_at = if_not_exists(revoked_at, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? fromItem(Attributes) : undefined;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }
}
