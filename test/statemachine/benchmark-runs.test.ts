// Benchmark runs end to end against the simulated marketplaces, through the real ASL: each item rents an ordinary
// session (the provisioning workflow), the benchmark runs over real SSH on the simulated host, the result is stored
// with figures from the host's GPU, and the session is ended through the ordinary teardown — within the run's budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBenchmarkScheduleStore } from '../../shared/adapters/dynamodb/benchmark-store.ts';
import { createDocumentClient } from '../../shared/composition/dynamodb.ts';
import { schedules } from '../../shared/app-model.ts';
import type { ScenarioInput } from '../../local/sim/scenario.ts';
import { type Harness, startHarness } from '../support/runtime-harness.ts';

const scenario: ScenarioInput = {
  seed: 42,
  vastai: {
    defaults: { boot_seconds: 1, ssh: 'ok' },
    offers: [
      { gpu: 'RTX 4090', vram_gb: 24, price: 0.35, location: 'Texas, US', count: 2, cuda: 12.8 },
      { gpu: 'A100 SXM4', vram_gb: 80, price: 1.2, location: 'Utah, US', count: 1, cuda: 12.8 },
      { gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.06, location: 'Ohio, US', count: 1, cuda: 12.8 },
      { gpu: 'RTX 3090', vram_gb: 24, price: 0.1, location: 'Nevada, US', count: 2, cuda: 12.4, host: 'silent' },
    ],
    hosts: { silent: { ssh: 'never' } },
  },
};

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(scenario, { POWERTOOLS_METRICS_DISABLED: 'true', BENCHMARK_POLL_SECONDS: '1', BENCHMARK_SETTLE_DEADLINE_SECONDS: '20' });
});
afterAll(async () => {
  await h?.stop();
});

type Run = { run: Record<string, unknown>; items: Record<string, unknown>[] };

async function waitForRun(id: string, timeoutMs = 90_000): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await h.api<Run>('GET', `/api/v1/benchmark-runs/${id}`);
    if (body.run['finished_at']) return body;
    if (Date.now() > deadline) throw new Error(`run ${id} still going: ${JSON.stringify(body.items.map((i) => i['status']))}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('benchmark runs', () => {
  it('measures each GPU over SSH, stores the results, ends every session, and never passes its budget', async () => {
    const start = await h.api<Run>('POST', '/api/v1/benchmark-runs', {
      consumer_id: 'bench-team',
      models: [MODEL],
      gpu_types: ['RTX 4090', 'A100 SXM4', 'RTX 5060 Ti', 'H100 SXM'],
      max_budget_usd: 5,
    });
    expect(start.status, JSON.stringify(start.body)).toBe(201);
    expect(start.body.items.map((i) => i['status'])).toEqual(['pending', 'pending', 'pending', 'pending']);
    const done = await waitForRun(String(start.body.run['id']));
    const byGpu = Object.fromEntries(done.items.map((i) => [String(i['gpu_type']), i]));
    expect(done.run['status']).toBe('completed');
    expect(byGpu['RTX 4090']!['status']).toBe('completed');
    expect(byGpu['A100 SXM4']!['status']).toBe('completed');
    // 8B at 16 bit does not fit 16 GB: the host says so, the item fails, its session is still ended
    expect(byGpu['RTX 5060 Ti']).toMatchObject({ status: 'failed' });
    expect(String(byGpu['RTX 5060 Ti']!['reason'])).toMatch(/exited 1/);
    expect(byGpu['H100 SXM']).toMatchObject({ status: 'skipped' });
    for (const item of done.items.filter((i) => i['session_id'])) {
      const s = await h.api<Record<string, unknown>>('GET', `/api/v1/sessions/${item['session_id']}`);
      expect(s.body).toMatchObject({ status: 'stopped', workload_type: 'benchmark' });
    }
    expect(Number(done.run['committed_usd'])).toBeLessThanOrEqual(5);
    expect(done.run['reserved_usd']).toBe(0);

    const results = await h.api<{ benchmarks: Record<string, unknown>[] }>('GET', `/api/v1/benchmarks?run_id=${done.run['id']}`);
    expect(results.body.benchmarks.map((b) => b['gpu_type']).sort()).toEqual(['A100 SXM', 'RTX 4090']);
    const a100 = results.body.benchmarks.find((b) => b['gpu_type'] === 'A100 SXM')!;
    const rtx = results.body.benchmarks.find((b) => b['gpu_type'] === 'RTX 4090')!;
    // the A100's bandwidth makes it faster; the 4090's price makes it cheaper per token
    expect(Number(a100['generation_tps'])).toBeGreaterThan(Number(rtx['generation_tps']));
    expect(Number(rtx['usd_per_million_tokens'])).toBeLessThan(Number(a100['usd_per_million_tokens']));
    expect(rtx['price_per_hour']).toBeGreaterThan(0);

    const best = await h.api<{ benchmark: Record<string, unknown> }>('GET', `/api/v1/benchmarks/best?model=${encodeURIComponent(MODEL)}`);
    expect(best.body.benchmark['gpu_type']).toBe('A100 SXM');
    const cheapest = await h.api<{ benchmark: Record<string, unknown> }>('GET', `/api/v1/benchmarks/cheapest?model=${encodeURIComponent(MODEL)}`);
    expect(cheapest.body.benchmark['gpu_type']).toBe('RTX 4090');

    // inventory by value: the 4090 offer still listed comes before the dearer-per-token A100s, with its prediction
    await h.refreshInventory();
    const inv = await h.api<{ offers: Record<string, unknown>[] }>('GET', `/api/v1/inventory?sort=value&model=${encodeURIComponent(MODEL)}`);
    expect(inv.status).toBe(200);
    const predicted = inv.body.offers.filter((o) => o['prediction']);
    expect(predicted.length).toBeGreaterThan(0);
    expect(predicted[0]!['gpu_type']).toBe('RTX 4090');
    const unpredicted = inv.body.offers.findIndex((o) => !o['prediction']);
    if (unpredicted >= 0) expect(inv.body.offers.slice(unpredicted).every((o) => !o['prediction'])).toBe(true);
  }, 150_000);

  it('entrypoint mode: the image starts its own server, the session is verified by its API too, and the run measures it', async () => {
    const start = await h.api<Run>('POST', '/api/v1/benchmark-runs', {
      consumer_id: 'entry-team',
      models: [MODEL],
      gpu_types: ['RTX 4090'],
      max_budget_usd: 5,
      launch_mode: 'entrypoint',
      docker_image: 'vllm/vllm-openai:latest',
    });
    expect(start.status, JSON.stringify(start.body)).toBe(201);
    const done = await waitForRun(String(start.body.run['id']));
    expect(done.items.map((i) => [i['gpu_type'], i['status'], i['reason'] ?? null])).toEqual([['RTX 4090', 'completed', null]]);
    const sessionId = String(done.items[0]!['session_id']);
    const session = await h.api<Record<string, unknown>>('GET', `/api/v1/sessions/${sessionId}`);
    expect(session.body).toMatchObject({ status: 'stopped', workload_type: 'benchmark', launch_mode: 'entrypoint' });
    // it went through the API phase: the server answered before the benchmark ran
    const events = await h.api<{ events: { type: string }[] }>('GET', `/api/v1/sessions/${sessionId}/events`);
    const types = events.body.events.map((e) => e.type);
    expect(types.indexOf('api_ready')).toBeGreaterThan(-1);
    expect(types.indexOf('api_ready')).toBeLessThan(types.indexOf('running'));
    const results = await h.api<{ benchmarks: Record<string, unknown>[] }>('GET', `/api/v1/benchmarks?run_id=${done.run['id']}`);
    expect(results.body.benchmarks).toHaveLength(1);
    expect(Number(results.body.benchmarks[0]!['generation_tps'])).toBeGreaterThan(0);
  }, 120_000);

  it('skips an item whose hold would pass max_budget_usd, creating nothing for it', async () => {
    const start = await h.api<Run>('POST', '/api/v1/benchmark-runs', {
      consumer_id: 'tight-team',
      models: [MODEL],
      gpu_types: ['A100 SXM4'],
      max_budget_usd: 0.5,
    });
    expect(start.status).toBe(201);
    const done = await waitForRun(String(start.body.run['id']));
    expect(done.items[0]).toMatchObject({ status: 'skipped' });
    expect(String(done.items[0]!['reason'])).toMatch(/max_budget_usd/);
    expect(done.items[0]!['session_id']).toBeUndefined();
    const sessions = await h.api<{ sessions: unknown[] }>('GET', '/api/v1/sessions?consumer_id=tight-team');
    expect(sessions.body.sessions).toHaveLength(0);
  }, 60_000);

  it('answers bad run requests with a JSON 400', async () => {
    const res = await h.api<Record<string, unknown>>('POST', '/api/v1/benchmark-runs', { consumer_id: 'x', models: [], gpu_types: ['RTX 4090'], max_budget_usd: 1 });
    expect(res.status).toBe(400);
    expect(res.body['error_type']).toBe('validation_error');
    const missing = await h.api<Record<string, unknown>>('GET', '/api/v1/benchmark-runs/nope');
    expect(missing.status).toBe(404);
  });

  it('cancel ends the live sessions of a run and starts nothing more', async () => {
    const start = await h.api<Run>('POST', '/api/v1/benchmark-runs', {
      consumer_id: 'cancel-team',
      models: [MODEL, 'Qwen/Qwen2.5-7B-Instruct'],
      gpu_types: ['RTX 3090'],
      max_budget_usd: 5,
    });
    expect(start.status).toBe(201);
    const id = String(start.body.run['id']);
    // wait until an item has a session (its SSH never answers, so it stays provisioning)
    const deadline = Date.now() + 20_000;
    let view = start.body;
    while (!view.items.some((i) => i['session_id']) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      view = (await h.api<Run>('GET', `/api/v1/benchmark-runs/${id}`)).body;
    }
    const cancelled = await h.api<Run>('DELETE', `/api/v1/benchmark-runs/${id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.run['status']).toBe('cancelled');
    const done = await waitForRun(id);
    expect(done.run['status']).toBe('cancelled');
    expect(done.items.map((i) => i['status'])).toEqual(['cancelled', 'cancelled']);
    const withSession = done.items.filter((i) => i['session_id']);
    expect(withSession.length).toBeGreaterThan(0);
    for (const item of withSession) {
      const s = await h.waitFor(String(item['session_id']), ['stopped', 'failed']);
      expect(s).toMatchObject({ status: 'stopped', ended_reason: 'deleted' });
    }
    expect(done.run['reserved_usd']).toBe(0);
  }, 90_000);

  it('a schedule fires through the local scheduler: one run per occurrence', async () => {
    const created = await h.api<Record<string, unknown>>('POST', '/api/v1/benchmark-schedules', {
      consumer_id: 'cron-team',
      name: 'nightly',
      cron: '* * * * *',
      run_request: { models: [MODEL], gpu_types: ['RTX 4090'], max_budget_usd: 0.01 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body['next_run_at']).toBeDefined();
    const bad = await h.api<Record<string, unknown>>('POST', '/api/v1/benchmark-schedules', {
      consumer_id: 'cron-team',
      cron: '61 * * * *',
      run_request: { models: [MODEL], gpu_types: ['RTX 4090'], max_budget_usd: 1 },
    });
    expect(bad.status).toBe(400);
    // as if it had been created two minutes ago: an occurrence is due now
    const store = new DynamoBenchmarkScheduleStore(createDocumentClient(h.runtime.dynamoDbEndpoint), h.runtime.tableName);
    await store.apply(String(created.body['id']), () => ({ created_at: new Date(Date.now() - 120_000).toISOString() }));
    const check = schedules.find((s) => s.id === 'BenchmarkScheduleCheck')!;
    await h.runtime.scheduler.fire(check);
    const fired = await h.api<Record<string, unknown>>('GET', `/api/v1/benchmark-schedules/${created.body['id']}`);
    expect(fired.body['last_run_id']).toBeDefined();
    const run = await waitForRun(String(fired.body['last_run_id']));
    expect(run.run).toMatchObject({ schedule_id: created.body['id'], consumer_id: 'cron-team' });
    // the same minute checked again starts nothing new
    await h.runtime.scheduler.fire(check);
    const runs = await h.api<{ runs: unknown[] }>('GET', '/api/v1/benchmark-runs?consumer_id=cron-team');
    expect(runs.body.runs).toHaveLength(1);
  }, 60_000);
});
