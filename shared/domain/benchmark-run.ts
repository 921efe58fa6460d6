// A benchmark run: every model on every GPU type asked for, each pair an item that rents the cheapest matching offer
// as an ordinary session, benchmarks it over SSH and ends it — within the run's budget, which each item reserves
// from before it creates anything.
import type { BenchmarkRuntime } from './benchmark.ts';
import type { Quantization } from './disk-estimate.ts';
import type { ProviderName } from './offer.ts';

export interface BenchmarkRunSpec {
  models: string[];
  gpu_types: string[];
  /** empty: any provider */
  providers: ProviderName[];
  max_budget_usd: number;
  runtime: BenchmarkRuntime;
  quantization?: Quantization;
  /** concurrent requests the benchmark drives */
  max_concurrency: number;
  /** hours each session is reserved for (its budget hold; the item ends it as soon as it has measured) */
  reservation_hours: number;
  /** ssh: the provider's default image; entrypoint: docker_image runs as the workload */
  launch_mode: 'ssh' | 'entrypoint';
  docker_image?: string;
  disk_gb?: number;
}

type RunStatus = 'running' | 'completed' | 'cancelled';

export interface BenchmarkRun {
  id: string;
  consumer_id: string;
  spec: BenchmarkRunSpec;
  status: RunStatus;
  /** item id → USD held for it (its offer's price × reservation hours) until its session has settled */
  reservations: Record<string, number>;
  /** item id → USD its session billed (or, when it never settled in time, what was reserved) */
  spent: Record<string, number>;
  schedule_id?: string;
  execution_arn?: string;
  created_at: string;
  cancelled_at?: string;
  finished_at?: string;
  version: number;
}

type ItemStatus =
  | 'pending'
  /** session created, waiting for it to run */
  | 'provisioning'
  | 'benchmarking'
  /** measured (or failed to): the session is being ended */
  | 'ending'
  | 'completed'
  | 'failed'
  /** not started: no offer, or its cost would pass the budget */
  | 'skipped'
  | 'cancelled';

const FINAL_ITEM_STATUSES: readonly ItemStatus[] = ['completed', 'failed', 'skipped', 'cancelled'];
export const isFinalItem = (s: ItemStatus): boolean => FINAL_ITEM_STATUSES.includes(s);

export interface BenchmarkRunItem {
  run_id: string;
  /** "001", "002", … in model-major order */
  item_id: string;
  model: string;
  gpu_type: string;
  status: ItemStatus;
  offer_id?: string;
  provider?: ProviderName;
  price_per_hour?: number;
  session_id?: string;
  result_id?: string;
  /** why it was skipped or failed, in words */
  reason?: string;
  /** the item's session was asked to end at this time */
  ending_since?: string;
  started_at?: string;
  updated_at: string;
  version: number;
}

const reservedUsd = (run: BenchmarkRun): number => sum(Object.values(run.reservations));
const spentUsd = (run: BenchmarkRun): number => sum(Object.values(run.spent));
/** What the run has committed: held for live items plus billed by ended ones; never above max_budget_usd. */
export const committedUsd = (run: BenchmarkRun): number => round6(reservedUsd(run) + spentUsd(run));

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

/** The items of a spec: models × GPU types, numbered in that order. */
export function planItems(runId: string, spec: BenchmarkRunSpec, now: string): BenchmarkRunItem[] {
  const items: BenchmarkRunItem[] = [];
  for (const model of spec.models) {
    for (const gpu of spec.gpu_types) {
      items.push({
        run_id: runId,
        item_id: String(items.length + 1).padStart(3, '0'),
        model,
        gpu_type: gpu,
        status: 'pending',
        updated_at: now,
        version: 1,
      });
    }
  }
  return items;
}

/**
 * Items of one run. Each item polls its session (a few history events per poll) and a Standard execution keeps at
 * most 25,000 history events, so a run stays well below that.
 */
export const MAX_RUN_ITEMS = 24;

export interface BenchmarkSchedule {
  id: string;
  consumer_id: string;
  name?: string;
  cron: string;
  spec: BenchmarkRunSpec;
  enabled: boolean;
  /** the occurrence the last run was started for */
  last_fired_for?: string;
  last_run_id?: string;
  last_error?: string;
  created_at: string;
  updated_at: string;
  version: number;
}

/** A scheduled run's id: one per schedule and occurrence, so two checks of the same minute start one run. */
export function scheduledRunId(scheduleId: string, occurrence: Date): string {
  return `${scheduleId.slice(0, 8)}-${occurrence.toISOString().replace(/[-:]/g, '').slice(0, 13)}`;
}
