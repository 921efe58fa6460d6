// Benchmarks below the HTTP layer: the figures derived from a result, cron, the predictor, what the simulated host
// prints, the results store against DynamoDB Local (filters, pages, cursors), and the run budget — parallel items
// reserving from one run through the real create-session use case never take it past max_budget_usd.
import { describe, expect, it } from 'vitest';
import { simBenchmark } from '../../local/sim/benchmark.ts';
import {
  DynamoBenchmarkRunStore,
  DynamoBenchmarkStore,
} from '../../shared/adapters/dynamodb/benchmark-store.ts';
import {
  BenchmarkPredictor,
  type BenchmarkResult,
  benchmarkCommand,
  cheapest,
  compare,
  costAnalysis,
  fastest,
  parseBenchmarkOutput,
  rankByValue,
} from '../../shared/domain/benchmark.ts';
import { type BenchmarkRunSpec, committedUsd } from '../../shared/domain/benchmark-run.ts';
import { dueOccurrence, nextOccurrence, parseCron } from '../../shared/domain/cron.ts';
import { ValidationError } from '../../shared/domain/errors.ts';
import { type AdvanceDeps, advanceItem, startRun } from '../../shared/use-cases/benchmarks/benchmark-runs.ts';
import { createSession } from '../../shared/use-cases/sessions/create-session.ts';
import { offer } from '../fakes/fake-inventory.ts';
import { dynamoProvisioningHarness } from '../support/provisioning-harness.ts';
import { freshTable } from '../support/table.ts';

let n = 0;
function result(over: Partial<BenchmarkResult> = {}): BenchmarkResult {
  n += 1;
  return {
    id: `r-${String(n).padStart(4, '0')}`,
    model: 'meta-llama/Llama-3.1-8B',
    runtime: 'vllm',
    gpu_type: 'RTX 4090',
    gpu_count: 1,
    provider: 'vastai',
    prompt_tps: 4000,
    generation_tps: 100,
    ttft_ms_p50: 100,
    ttft_ms_p95: 200,
    max_concurrency: 8,
    vram_used_gb: 20,
    price_per_hour: 0.36,
    measured_at: new Date(Date.UTC(2026, 11, 1, 0, n)).toISOString(),
    created_at: new Date(Date.UTC(2026, 11, 1, 0, n)).toISOString(),
    ...over,
  };
}

describe('benchmark figures', () => {
  it('derives $ per million tokens and tokens/s per dollar from price and generation speed', () => {
    // 100 tokens/s = 360,000 tokens an hour for $0.36: $1 per million
    expect(costAnalysis(result())).toEqual({ usd_per_million_tokens: 1, tokens_per_second_per_dollar: 277.7778, tokens_per_hour: 360_000, price_per_hour: 0.36 });
  });

  it('best is the fastest, cheapest the lowest $/Mtok that reaches min_tps, compare relative to a baseline', () => {
    const slow = result({ generation_tps: 100, price_per_hour: 0.2, vram_used_gb: 20 });
    const fast = result({ generation_tps: 400, price_per_hour: 1.6, vram_used_gb: 40 });
    const mid = result({ generation_tps: 200, price_per_hour: 0.5 });
    expect(fastest([slow, fast, mid])!.id).toBe(fast.id);
    expect(cheapest([slow, fast, mid])!.id).toBe(slow.id);
    expect(cheapest([slow, fast, mid], 150)!.id).toBe(mid.id);
    expect(cheapest([slow], 150)).toBeUndefined();
    const [c] = compare(slow, [fast]);
    expect(c).toMatchObject({ speedup_factor: 4, cost_efficiency: 0.5, memory_efficiency: 0.5 });
  });

  it('predicts offers from results of the same GPU type and count, with confidence from the count of results', () => {
    const p = new BenchmarkPredictor([
      result({ generation_tps: 100 }),
      result({ generation_tps: 120 }),
      result({ generation_tps: 400, gpu_type: 'A100 SXM', price_per_hour: 1.2 }),
    ]);
    const one = p.predict({ gpu_type: 'rtx4090', gpu_count: 1, price_per_hour: 0.396 })!;
    expect(one).toMatchObject({ predicted_tps: 110, predicted_usd_per_million_tokens: 1, result_count: 2, confidence: 0.5, exact_gpu_count: true });
    const two = p.predict({ gpu_type: 'RTX 4090', gpu_count: 2, price_per_hour: 0.8 })!;
    expect(two).toMatchObject({ predicted_tps: 220, exact_gpu_count: false, confidence: 0.25, confidence_level: 'low' });
    expect(p.predict({ gpu_type: 'H100 SXM', gpu_count: 1, price_per_hour: 2 })).toBeUndefined();
    const ranked = rankByValue(
      [
        { id: 'h100', gpu_type: 'H100 SXM', gpu_count: 1, price_per_hour: 2 },
        { id: 'a100', gpu_type: 'A100 SXM', gpu_count: 1, price_per_hour: 1.2 },
        { id: '4090', gpu_type: 'RTX 4090', gpu_count: 1, price_per_hour: 0.396 },
      ],
      p,
    );
    // the dearer A100 gives more tokens per dollar ($0.83/Mtok against $1); nothing predicts the H100: last
    expect(ranked.map((r) => r.offer.id)).toEqual(['a100', '4090', 'h100']);
  });

  it('reads only a well-formed figures line from the command output', () => {
    const line = JSON.stringify({ prompt_tps: 10, generation_tps: 5, ttft_ms_p50: 1, ttft_ms_p95: 2, max_concurrency: 1, vram_used_gb: 3 });
    expect(parseBenchmarkOutput(`warming up\n${line}\n`)).toMatchObject({ generation_tps: 5 });
    expect(parseBenchmarkOutput('no json here')).toBeUndefined();
    expect(parseBenchmarkOutput(line.replace('"generation_tps":5', '"generation_tps":0'))).toBeUndefined();
    expect(parseBenchmarkOutput(line.replace('"vram_used_gb":3', '"vram_used_gb":"3"'))).toBeUndefined();
    expect(benchmarkCommand({ model: "it's", runtime: 'vllm', max_concurrency: 4 })).toBe(
      `gpu-shopper-bench --model 'it'\\''s' --runtime 'vllm' --max-concurrency 4 --json`,
    );
  });

  it('the simulated host answers from its GPU, deterministically per seed', () => {
    const machine = (gpuName: string, vram: number, seed: number) => ({ gpuName, gpuCount: 1, vramMiB: vram * 1024, seed });
    const args = ['--model', 'org/Model-7B', '--runtime', 'vllm', '--max-concurrency', '8'];
    const a = parseBenchmarkOutput(simBenchmark(args, machine('NVIDIA A100 SXM4', 80, 1)).stdout)!;
    const b = parseBenchmarkOutput(simBenchmark(args, machine('NVIDIA A100 SXM4', 80, 1)).stdout)!;
    const other = parseBenchmarkOutput(simBenchmark(args, machine('NVIDIA A100 SXM4', 80, 2)).stdout)!;
    const small = parseBenchmarkOutput(simBenchmark(args, machine('NVIDIA GeForce RTX 4090', 24, 1)).stdout)!;
    expect(a).toEqual(b);
    expect(other.generation_tps).not.toBe(a.generation_tps);
    expect(a.generation_tps).toBeGreaterThan(small.generation_tps);
    expect(simBenchmark(['--model', 'org/Model-70B'], machine('NVIDIA GeForce RTX 4090', 24, 1)).code).toBe(1);
  });
});

describe('cron', () => {
  it('finds the next occurrence in UTC, with ranges, steps, lists and crontab day semantics', () => {
    const at = (s: string) => new Date(s);
    expect(nextOccurrence(parseCron('*/15 * * * *'), at('2026-12-07T09:07:30Z'))!.toISOString()).toBe('2026-12-07T09:15:00.000Z');
    expect(nextOccurrence(parseCron('0 3 * * 1'), at('2026-12-07T09:00:00Z'))!.toISOString()).toBe('2026-12-14T03:00:00.000Z');
    expect(nextOccurrence(parseCron('30 1 1,15 * *'), at('2026-12-07T00:00:00Z'))!.toISOString()).toBe('2026-12-15T01:30:00.000Z');
    // day-of-month OR day-of-week when both are restricted (the 1st, or any Sunday)
    expect(nextOccurrence(parseCron('0 0 1 * 0'), at('2026-12-07T00:00:00Z'))!.toISOString()).toBe('2026-12-13T00:00:00.000Z');
    expect(nextOccurrence(parseCron('0 0 30 2 *'), at('2026-12-07T00:00:00Z'))).toBeUndefined();
    for (const bad of ['61 * * * *', '* * *', '*/0 * * * *', 'a b c d e', '5-1 * * * *']) {
      expect(() => parseCron(bad), bad).toThrow(ValidationError);
    }
  });

  it('owes the latest occurrence since the last one fired, once', () => {
    const c = parseCron('0 * * * *');
    const due = dueOccurrence(c, new Date('2026-12-07T06:30:00Z'), new Date('2026-12-07T09:10:00Z'));
    expect(due!.toISOString()).toBe('2026-12-07T09:00:00.000Z');
    expect(dueOccurrence(c, due!, new Date('2026-12-07T09:59:00Z'))).toBeUndefined();
  });
});

describe('benchmark results store (DynamoDB Local)', () => {
  it('applies every filter, pages without gaps or repeats, and refuses a foreign cursor', async () => {
    const { db, tableName } = await freshTable('bench');
    const store = new DynamoBenchmarkStore(db, tableName);
    const rows = [
      ...Array.from({ length: 7 }, () => result({ model: 'M-7B', runtime: 'vllm' })),
      ...Array.from({ length: 4 }, () => result({ model: 'M-7B', runtime: 'tgi', provider: 'tensordock' })),
      ...Array.from({ length: 3 }, () => result({ model: 'Other-13B', gpu_type: 'A100 SXM' })),
    ];
    for (const r of rows) await store.put(r);
    await store.put({ ...rows[0]!, generation_tps: 1 }); // a retried put changes nothing
    expect((await store.get(rows[0]!.id))!.generation_tps).toBe(100);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ model: 'm-7b', runtime: 'vllm', limit: 3, cursor });
      seen.push(...page.results.map((r) => r.id));
      expect(page.results.every((r) => r.runtime === 'vllm' && r.model === 'M-7B')).toBe(true);
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(rows.slice(0, 7).map((r) => r.id).reverse());

    expect((await store.list({ provider: 'tensordock', limit: 50 })).results).toHaveLength(4);
    expect((await store.list({ gpu_type: 'a100 sxm', limit: 50 })).results).toHaveLength(3);
    const first = await store.list({ model: 'M-7B', limit: 2 });
    await expect(store.list({ gpu_type: 'RTX 4090', limit: 2, cursor: first.next_cursor })).rejects.toThrow(ValidationError);
    await expect(store.list({ limit: 2, cursor: 'not-a-cursor' })).rejects.toThrow(ValidationError);
  });
});

describe('run budget', () => {
  it('items reserving in parallel never take the run past max_budget_usd; the one that would is skipped', async () => {
    const h = await dynamoProvisioningHarness({
      offers: [
        offer({ id: 'vastai-701', gpu_type: 'RTX 4090', vram_gb: 24, price_per_hour: 0.3, host_id: 'm-1' }),
        offer({ id: 'vastai-702', gpu_type: 'RTX 4090', vram_gb: 24, price_per_hour: 0.4, host_id: 'm-2' }),
      ],
    });
    const runs = new DynamoBenchmarkRunStore(h.db, h.tableName);
    const started: string[] = [];
    const spec: BenchmarkRunSpec = {
      models: ['a/A-1B', 'b/B-1B', 'c/C-1B'],
      gpu_types: ['RTX 4090'],
      providers: [],
      max_budget_usd: 0.5,
      runtime: 'vllm',
      max_concurrency: 4,
      reservation_hours: 1,
      launch_mode: 'ssh',
    };
    const { run } = await startRun(
      { runs, clock: h.clock.now, workflow: { executionArn: (id) => `arn:x:${id}`, start: async (id) => void started.push(id) } },
      'team-b',
      spec,
    );
    expect(started).toEqual([run.id]);
    const deps: AdvanceDeps = {
      runs,
      sessions: h.sessions,
      events: h.events,
      workflows: h.workflows,
      inventory: h.inventory,
      clock: h.clock.now,
      createSession: async (req) => (await createSession(h.createDeps, req)).session,
      defaultDiskGb: 50,
      pollSeconds: 1,
      provisionDeadlineMs: 60_000,
      settleDeadlineMs: 60_000,
    };
    const steps = await Promise.all(['001', '002', '003'].map((item_id) => advanceItem(deps, { run_id: run.id, item_id })));
    // a repeated step (a retried task) creates nothing more
    await Promise.all(['001', '002', '003'].map((item_id) => advanceItem(deps, { run_id: run.id, item_id })));
    const items = await runs.items(run.id);
    const live = items.filter((i) => i.status === 'provisioning');
    // 0.3 + 0.4 is past 0.5: exactly one item can hold its session
    expect(live.length).toBe(1);
    expect(items.filter((i) => i.status === 'skipped').length).toBe(3 - live.length);
    expect(new Set(live.map((i) => i.offer_id)).size).toBe(live.length);
    const stored = (await runs.get(run.id))!;
    expect(committedUsd(stored)).toBeLessThanOrEqual(0.5);
    const sessions = (await h.sessions.list({ consumer_id: 'team-b', limit: 10 })).sessions;
    expect(sessions).toHaveLength(live.length);
    expect(sessions.every((s) => s.workload_type === 'benchmark' && s.auto_retry === false)).toBe(true);
    expect(steps.filter((s) => s.next === 'wait')).toHaveLength(live.length);
  });
});
