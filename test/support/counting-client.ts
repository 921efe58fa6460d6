import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'BatchWriteCommand', 'TransactWriteCommand']);

export interface RequestCounts {
  writes: number;
  byCommand: Record<string, number>;
  reset(): void;
}

/** Wraps the client's `send` to count requests by command: the write count is what DynamoDB bills per item. */
export function countRequests(db: DynamoDBDocumentClient): RequestCounts {
  const counts: RequestCounts = {
    writes: 0,
    byCommand: {},
    reset() {
      counts.writes = 0;
      counts.byCommand = {};
    },
  };
  const send = db.send.bind(db) as (command: unknown, ...rest: unknown[]) => Promise<unknown>;
  (db as unknown as { send: typeof send }).send = (command, ...rest) => {
    const name = (command as object).constructor.name;
    counts.byCommand[name] = (counts.byCommand[name] ?? 0) + 1;
    if (WRITES.has(name)) counts.writes++;
    return send(command, ...rest);
  };
  return counts;
}
