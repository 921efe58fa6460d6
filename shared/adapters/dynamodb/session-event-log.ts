// A session's timeline: each append is one item (a verification round's probes share one write), read back in order.
import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SessionEvent, SessionEventLog } from '../../ports/session-events.ts';
import { queryAll } from './query-all.ts';

export class DynamoSessionEventLog implements SessionEventLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** events are kept this long after they were written (DynamoDB TTL) */
    private readonly retentionDays = 90,
  ) {}

  async append(sessionId: string, events: SessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    const first = events[0]!.at;
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `SESSION#${sessionId}`,
          sk: `EVENT#${first}#${randomBytes(3).toString('hex')}`,
          events,
          ttl: Math.floor(Date.parse(first) / 1000) + this.retentionDays * 86_400,
        },
      }),
    );
  }

  async list(sessionId: string): Promise<SessionEvent[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `SESSION#${sessionId}`, ':prefix': 'EVENT#' },
    });
    const out = items.flatMap((item) => (item['events'] as SessionEvent[] | undefined) ?? []);
    // items are ordered by their first event; events inside later items can interleave with earlier ones
    return out.sort((a, b) => a.at.localeCompare(b.at));
  }
}
