// Counts DynamoDB requests and the capacity units DynamoDB Local reports for them (ReturnConsumedCapacity TOTAL is
// added to every request), per function. Request units are what on-demand tables bill: a write of 91 KB is 91 WRU.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { currentFunction } from './invocations.ts';

const READS = new Set(['GetCommand', 'BatchGetCommand', 'QueryCommand', 'ScanCommand', 'TransactGetCommand']);
const WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'BatchWriteCommand', 'TransactWriteCommand']);

export interface Usage {
  reads: number;
  writes: number;
  /** read request units */
  rru: number;
  /** write request units */
  wru: number;
}

export const emptyUsage = (): Usage => ({ reads: 0, writes: 0, rru: 0, wru: 0 });

function addUsage(a: Usage, b: Usage): Usage {
  return { reads: a.reads + b.reads, writes: a.writes + b.writes, rru: a.rru + b.rru, wru: a.wru + b.wru };
}

type Capacity = { CapacityUnits?: number } | { CapacityUnits?: number }[] | undefined;

function unitsOf(capacity: Capacity): number {
  if (!capacity) return 0;
  return (Array.isArray(capacity) ? capacity : [capacity]).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
}

export class CapacityCounter {
  private usage = new Map<string, Usage>();

  constructor(db: DynamoDBDocumentClient) {
    const send = db.send.bind(db) as (command: unknown, ...rest: unknown[]) => Promise<unknown>;
    (db as unknown as { send: typeof send }).send = async (command, ...rest) => {
      const name = (command as object).constructor.name;
      const isRead = READS.has(name);
      const isWrite = WRITES.has(name);
      if (isRead || isWrite) (command as { input: Record<string, unknown> }).input['ReturnConsumedCapacity'] = 'TOTAL';
      const source = currentFunction();
      try {
        const out = (await send(command, ...rest)) as { ConsumedCapacity?: Capacity };
        this.add(source, isRead, isWrite, unitsOf(out?.ConsumedCapacity));
        return out;
      } catch (err) {
        // a failed conditional write is still billed (at least one WRU); nothing is reported back for it
        this.add(source, isRead, isWrite, isWrite && (err as Error).name === 'ConditionalCheckFailedException' ? 1 : 0);
        throw err;
      }
    };
  }

  private add(source: string, isRead: boolean, isWrite: boolean, units: number): void {
    if (!isRead && !isWrite) return;
    const u = this.usage.get(source) ?? emptyUsage();
    if (isRead) {
      u.reads += 1;
      u.rru += units;
    } else {
      u.writes += 1;
      u.wru += units;
    }
    this.usage.set(source, u);
  }

  /** Usage per function since the last take, and start afresh. */
  take(): Map<string, Usage> {
    const taken = this.usage;
    this.usage = new Map();
    return taken;
  }
}

export function totalUsage(byFunction: Map<string, Usage>, filter: (functionId: string) => boolean = () => true): Usage {
  let total = emptyUsage();
  for (const [fn, u] of byFunction) if (filter(fn)) total = addUsage(total, u);
  return total;
}
