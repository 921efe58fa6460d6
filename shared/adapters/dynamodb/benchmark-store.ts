// Benchmark results, runs (with their items) and schedules in the single table.
//   result   BENCH#<id> / RESULT          gsi1 BENCH_MODEL#<model>  gsi2 BENCH_GPU#<gpu>  gsi3 BENCHMARKS (newest first)
//   run      BRUN#<id>  / RUN             gsi1 BRUNS#<consumer>     gsi3 BENCH_RUNS
//   item     BRUN#<id>  / ITEM#<nnn>      (one query reads a run with its items)
//   schedule BSCHED#<id> / SCHEDULE       gsi1 BSCHEDS#<consumer>   gsi2 BENCH_SCHEDULES_ENABLED (sparse)  gsi3 BENCH_SCHEDULES
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { type BenchmarkResult, modelKey } from '../../domain/benchmark.ts';
import type { BenchmarkRun, BenchmarkRunItem, BenchmarkSchedule } from '../../domain/benchmark-run.ts';
import { ConcurrencyError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { gpuKey } from '../../domain/offer.ts';
import type {
  BenchmarkQuery,
  BenchmarkRunStore,
  BenchmarkScheduleStore,
  BenchmarkStore,
  Change,
} from '../../ports/benchmarks.ts';
import { queryAll } from './query-all.ts';

const KEY_FIELDS = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'ttl'];

function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_FIELDS.includes(k)) out[k] = v;
  return out as T;
}

/** Read, change, write under `version = :v`, retried with a short jittered pause on a lost race. */
async function optimistic<T extends { version: number }>(
  db: DynamoDBDocumentClient,
  tableName: string,
  what: string,
  read: () => Promise<T | undefined>,
  toItem: (v: T) => Record<string, unknown>,
  change: Change<T>,
): Promise<{ value: T; applied: boolean }> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const current = await read();
    if (!current) throw new NotFoundError(`${what} not found`);
    const changes = change(current);
    if (!changes) return { value: current, applied: false };
    const next = { ...current, ...changes, version: current.version + 1 } as T;
    try {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: toItem(next),
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': current.version },
        }),
      );
      return { value: next, applied: true };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
    }
  }
  throw new ConcurrencyError(`${what} kept changing under concurrent writers`);
}

// ── results ────────────────────────────────────────────────────────────────

const resultKey = (id: string) => ({ pk: `BENCH#${id}`, sk: 'RESULT' });

function resultItem(r: BenchmarkResult): Record<string, unknown> {
  const sk = `${r.created_at}#${r.id}`;
  return {
    ...r,
    ...resultKey(r.id),
    gsi1pk: `BENCH_MODEL#${modelKey(r.model)}`,
    gsi1sk: sk,
    gsi2pk: `BENCH_GPU#${gpuKey(r.gpu_type)}`,
    gsi2sk: sk,
    gsi3pk: 'BENCHMARKS',
    gsi3sk: sk,
  };
}

const encodeCursor = (key: Record<string, unknown>): string => Buffer.from(JSON.stringify(key)).toString('base64url');

/** A cursor is a key this store issued for the same index and partition; anything else is a 400, never a 500. */
function decodeCursor(cursor: string | undefined, index: string, partition: string): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  let k: Record<string, unknown> | undefined;
  try {
    k = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    k = undefined;
  }
  const fields = ['pk', 'sk', `${index}pk`, `${index}sk`];
  const valid =
    k !== null &&
    typeof k === 'object' &&
    !Array.isArray(k) &&
    Object.keys(k).length === fields.length &&
    fields.every((f) => typeof k![f] === 'string' && (k![f] as string).length <= 512) &&
    /^BENCH#[A-Za-z0-9-]{1,64}$/.test(k['pk'] as string) &&
    k['sk'] === 'RESULT' &&
    k[`${index}pk`] === partition;
  if (!valid) throw new ValidationError('cursor is not a cursor this API issued for this query', { field: 'cursor' });
  return k;
}

export class DynamoBenchmarkStore implements BenchmarkStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(result: BenchmarkResult): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({ TableName: this.tableName, Item: resultItem(result), ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (err) {
      // a retried task stores the same result twice: the first one stands
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async get(id: string): Promise<BenchmarkResult | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: resultKey(id) }));
    return Item ? strip<BenchmarkResult>(Item) : undefined;
  }

  async list(q: BenchmarkQuery): Promise<{ results: BenchmarkResult[]; next_cursor?: string }> {
    // the most selective index first (model, then GPU), the other filters on the rows it gives
    const [index, partition] = q.model
      ? ['gsi1', `BENCH_MODEL#${modelKey(q.model)}`]
      : q.gpu_type
        ? ['gsi2', `BENCH_GPU#${gpuKey(q.gpu_type)}`]
        : ['gsi3', 'BENCHMARKS'];
    const keep = (r: BenchmarkResult) =>
      (!q.gpu_type || gpuKey(r.gpu_type) === gpuKey(q.gpu_type)) &&
      (!q.provider || r.provider === q.provider) &&
      (!q.runtime || r.runtime === q.runtime) &&
      (!q.run_id || r.run_id === q.run_id);
    const results: BenchmarkResult[] = [];
    let start = decodeCursor(q.cursor, index!, partition!);
    let more = false;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index,
          KeyConditionExpression: `${index}pk = :pk`,
          ExpressionAttributeValues: { ':pk': partition },
          ScanIndexForward: false,
          ExclusiveStartKey: start,
          Limit: Math.min(200, q.limit - results.length + 20),
        }),
      );
      const items = page.Items ?? [];
      for (let i = 0; i < items.length; i++) {
        const r = strip<BenchmarkResult>(items[i]!);
        if (!keep(r)) continue;
        if (results.length === q.limit) {
          more = true;
          break;
        }
        results.push(r);
      }
      start = page.LastEvaluatedKey;
      if (results.length === q.limit && !more) more = start !== undefined;
    } while (!more && start);
    if (!more || results.length === 0) return { results };
    const last = resultItem(results.at(-1)!);
    return {
      results,
      next_cursor: encodeCursor({ pk: last['pk'], sk: last['sk'], [`${index}pk`]: last[`${index}pk`], [`${index}sk`]: last[`${index}sk`] }),
    };
  }

  async forModel(model: string): Promise<BenchmarkResult[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': `BENCH_MODEL#${modelKey(model)}` },
      ScanIndexForward: false,
    });
    return items.map((i) => strip<BenchmarkResult>(i));
  }
}

// ── runs and items ─────────────────────────────────────────────────────────

const runKey = (id: string) => ({ pk: `BRUN#${id}`, sk: 'RUN' });
const itemKey = (runId: string, itemId: string) => ({ pk: `BRUN#${runId}`, sk: `ITEM#${itemId}` });

function runItem(r: BenchmarkRun): Record<string, unknown> {
  const sk = `${r.created_at}#${r.id}`;
  return { ...r, ...runKey(r.id), gsi1pk: `BRUNS#${r.consumer_id}`, gsi1sk: sk, gsi3pk: 'BENCH_RUNS', gsi3sk: sk };
}

const itemRecord = (i: BenchmarkRunItem): Record<string, unknown> => ({ ...i, ...itemKey(i.run_id, i.item_id) });

export class DynamoBenchmarkRunStore implements BenchmarkRunStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(run: BenchmarkRun, items: BenchmarkRunItem[]): Promise<boolean> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: runItem(run), ConditionExpression: 'attribute_not_exists(pk)' } },
            ...items.map((i) => ({ Put: { TableName: this.tableName, Item: itemRecord(i) } })),
          ],
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof TransactionCanceledException && err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
      throw err;
    }
  }

  async get(id: string): Promise<BenchmarkRun | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: runKey(id), ConsistentRead: true }));
    return Item ? strip<BenchmarkRun>(Item) : undefined;
  }

  async items(runId: string): Promise<BenchmarkRunItem[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :item)',
      ExpressionAttributeValues: { ':pk': `BRUN#${runId}`, ':item': 'ITEM#' },
      ConsistentRead: true,
    });
    return items.map((i) => strip<BenchmarkRunItem>(i));
  }

  async item(runId: string, itemId: string): Promise<BenchmarkRunItem | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: itemKey(runId, itemId), ConsistentRead: true }),
    );
    return Item ? strip<BenchmarkRunItem>(Item) : undefined;
  }

  async list(consumerId: string | undefined, limit: number): Promise<BenchmarkRun[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: consumerId ? 'gsi1' : 'gsi3',
        KeyConditionExpression: consumerId ? 'gsi1pk = :pk' : 'gsi3pk = :pk',
        ExpressionAttributeValues: { ':pk': consumerId ? `BRUNS#${consumerId}` : 'BENCH_RUNS' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map((i) => strip<BenchmarkRun>(i));
  }

  async applyRun(id: string, change: Change<BenchmarkRun>): Promise<{ run: BenchmarkRun; applied: boolean }> {
    const { value, applied } = await optimistic(this.db, this.tableName, `benchmark run ${id}`, () => this.get(id), runItem, change);
    return { run: value, applied };
  }

  async applyItem(
    runId: string,
    itemId: string,
    change: Change<BenchmarkRunItem>,
  ): Promise<{ item: BenchmarkRunItem; applied: boolean }> {
    const { value, applied } = await optimistic(
      this.db,
      this.tableName,
      `benchmark run ${runId} item ${itemId}`,
      () => this.item(runId, itemId),
      itemRecord,
      change,
    );
    return { item: value, applied };
  }
}

// ── schedules ──────────────────────────────────────────────────────────────

const scheduleKey = (id: string) => ({ pk: `BSCHED#${id}`, sk: 'SCHEDULE' });

function scheduleItem(s: BenchmarkSchedule): Record<string, unknown> {
  const sk = `${s.created_at}#${s.id}`;
  return {
    ...s,
    ...scheduleKey(s.id),
    gsi1pk: `BSCHEDS#${s.consumer_id}`,
    gsi1sk: sk,
    ...(s.enabled ? { gsi2pk: 'BENCH_SCHEDULES_ENABLED', gsi2sk: sk } : {}),
    gsi3pk: 'BENCH_SCHEDULES',
    gsi3sk: sk,
  };
}

export class DynamoBenchmarkScheduleStore implements BenchmarkScheduleStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(schedule: BenchmarkSchedule): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: scheduleItem(schedule), ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async get(id: string): Promise<BenchmarkSchedule | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: scheduleKey(id), ConsistentRead: true }));
    return Item ? strip<BenchmarkSchedule>(Item) : undefined;
  }

  async list(consumerId: string | undefined, limit: number): Promise<BenchmarkSchedule[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: consumerId ? 'gsi1' : 'gsi3',
        KeyConditionExpression: consumerId ? 'gsi1pk = :pk' : 'gsi3pk = :pk',
        ExpressionAttributeValues: { ':pk': consumerId ? `BSCHEDS#${consumerId}` : 'BENCH_SCHEDULES' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map((i) => strip<BenchmarkSchedule>(i));
  }

  async listEnabled(): Promise<BenchmarkSchedule[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': 'BENCH_SCHEDULES_ENABLED' },
    });
    return items.map((i) => strip<BenchmarkSchedule>(i));
  }

  async apply(id: string, change: Change<BenchmarkSchedule>): Promise<{ schedule: BenchmarkSchedule; applied: boolean }> {
    const { value, applied } = await optimistic(
      this.db,
      this.tableName,
      `benchmark schedule ${id}`,
      () => this.get(id),
      scheduleItem,
      change,
    );
    return { schedule: value, applied };
  }

  async delete(id: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: scheduleKey(id) }));
  }
}
