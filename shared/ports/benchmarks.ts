import type { BenchmarkResult, BenchmarkRuntime } from '../domain/benchmark.ts';
import type { BenchmarkRun, BenchmarkRunItem, BenchmarkSchedule } from '../domain/benchmark-run.ts';
import type { ProviderName } from '../domain/offer.ts';

export interface BenchmarkQuery {
  model?: string;
  gpu_type?: string;
  provider?: ProviderName;
  runtime?: BenchmarkRuntime;
  run_id?: string;
  limit: number;
  cursor?: string;
}

export interface BenchmarkStore {
  /** idempotent by id: a second put of the same id changes nothing */
  put(result: BenchmarkResult): Promise<void>;
  get(id: string): Promise<BenchmarkResult | undefined>;
  /** newest first, every filter applied (a page is full unless the results ran out) */
  list(query: BenchmarkQuery): Promise<{ results: BenchmarkResult[]; next_cursor?: string }>;
  /** every result of one model (best, cheapest, compare, recommendations, inventory value sort) */
  forModel(model: string): Promise<BenchmarkResult[]>;
}

export type Change<T> = (current: T) => Partial<T> | undefined;

export interface BenchmarkRunStore {
  /** the run and its items in one write; false when a run with this id exists already (a repeated schedule check) */
  create(run: BenchmarkRun, items: BenchmarkRunItem[]): Promise<boolean>;
  get(id: string): Promise<BenchmarkRun | undefined>;
  items(runId: string): Promise<BenchmarkRunItem[]>;
  item(runId: string, itemId: string): Promise<BenchmarkRunItem | undefined>;
  list(consumerId: string | undefined, limit: number): Promise<BenchmarkRun[]>;
  /** read, change, write under an optimistic lock on version, retried on a lost race */
  applyRun(id: string, change: Change<BenchmarkRun>): Promise<{ run: BenchmarkRun; applied: boolean }>;
  applyItem(runId: string, itemId: string, change: Change<BenchmarkRunItem>): Promise<{ item: BenchmarkRunItem; applied: boolean }>;
}

export interface BenchmarkScheduleStore {
  create(schedule: BenchmarkSchedule): Promise<void>;
  get(id: string): Promise<BenchmarkSchedule | undefined>;
  list(consumerId: string | undefined, limit: number): Promise<BenchmarkSchedule[]>;
  /** every enabled schedule (the one-minute check reads them with one query) */
  listEnabled(): Promise<BenchmarkSchedule[]>;
  apply(id: string, change: Change<BenchmarkSchedule>): Promise<{ schedule: BenchmarkSchedule; applied: boolean }>;
  delete(id: string): Promise<void>;
}

/** Starting and stopping the benchmark-run workflow, named by run id (a second start finds the first). */
export interface BenchmarkWorkflow {
  executionArn(runId: string): string;
  start(runId: string): Promise<void>;
}
