// The last few verification times per provider and GPU type, one small item each.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { gpuKey } from '../../domain/offer.ts';
import type { VerificationHistory } from '../../ports/verification-history.ts';

const KEEP = 20;
const key = (provider: string, gpuType: string) => ({ pk: `VERIFYSTATS#${provider}#${gpuKey(gpuType)}`, sk: 'STATS' });

export class DynamoVerificationHistory implements VerificationHistory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async read(provider: string, gpuType: string) {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key(provider, gpuType) }));
    return { durations: (Item?.['durations_ms'] as number[] | undefined) ?? [], version: (Item?.['version'] as number) ?? 0 };
  }

  async recent(provider: string, gpuType: string): Promise<number[]> {
    return (await this.read(provider, gpuType)).durations;
  }

  async record(provider: string, gpuType: string, durationMs: number): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.read(provider, gpuType);
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...key(provider, gpuType), durations_ms: [...current.durations, durationMs].slice(-KEEP), version: current.version + 1 },
            ConditionExpression: 'attribute_not_exists(pk) OR version = :v',
            ExpressionAttributeValues: { ':v': current.version },
          }),
        );
        return;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    // losing one sample to contention is harmless: the history is a statistic
  }
}
