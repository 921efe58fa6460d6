import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReadinessCheck } from '../../ports/readiness.ts';

/** Storage is ready when a consistent read of a fixed key succeeds (absence is fine). */
export class TableReadiness implements ReadinessCheck {
  readonly name = 'storage';
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async check(): Promise<string | undefined> {
    await this.db.send(new GetCommand({ TableName: this.tableName, Key: { pk: 'SYSTEM', sk: 'READY' } }));
    return undefined;
  }
}
