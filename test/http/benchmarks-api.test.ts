// The benchmark and benchmark-run routes through the real middy stack and DynamoDB Local: validation (a JSON 400,
// never a 500), derived figures, best/cheapest/compare/recommendations, paging, and run/schedule ownership.
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as makeRunsHandler } from '../../shared/http/routes/benchmark-runs.ts';
import { makeHandler } from '../../shared/http/routes/benchmarks.ts';
import {
  DynamoBenchmarkRunStore,
  DynamoBenchmarkScheduleStore,
  DynamoBenchmarkStore,
} from '../../shared/adapters/dynamodb/benchmark-store.ts';
import { DynamoSessionEventLog } from '../../shared/adapters/dynamodb/session-event-log.ts';
import { DynamoSessionStore } from '../../shared/adapters/dynamodb/session-store/store.ts';
import { FakeInventory, offer } from '../fakes/fake-inventory.ts';
import { FakeWorkflows } from '../support/provisioning-harness.ts';
import { callHandler } from '../support/http.ts';
import { freshTable } from '../support/table.ts';

const as = (consumerId: string) => ({ consumerId, keyId: `key-${consumerId}` });
const MODEL = 'meta-llama/Llama-3.1-8B';

let handler: ReturnType<typeof makeHandler>;
let runsHandler: ReturnType<typeof makeRunsHandler>;
let started: string[];
beforeEach(async () => {
  const { db, tableName } = await freshTable('bench-api');
  const inventory = new FakeInventory().add(
    offer({ id: 'vastai-1', gpu_type: 'RTX 4090', vram_gb: 24, price_per_hour: 0.3 }),
    offer({ id: 'vastai-2', gpu_type: 'A100 SXM', vram_gb: 80, price_per_hour: 1.0 }),
    offer({ id: 'vastai-3', gpu_type: 'H100 SXM', vram_gb: 80, price_per_hour: 2.0 }),
  );
  handler = makeHandler({ results: new DynamoBenchmarkStore(db, tableName), inventory, clock: () => new Date() });
  started = [];
  runsHandler = makeRunsHandler({
    runs: new DynamoBenchmarkRunStore(db, tableName),
    schedules: new DynamoBenchmarkScheduleStore(db, tableName),
    workflow: { executionArn: (id) => `arn:aws:states:us-east-1:0:execution:BenchmarkRun:${id}`, start: async (id) => void started.push(id) },
    sessions: new DynamoSessionStore(db, tableName),
    events: new DynamoSessionEventLog(db, tableName),
    workflows: new FakeWorkflows(),
    clock: () => new Date(),
  });
});

const body = (over: Record<string, unknown> = {}) => ({
  model: MODEL,
  runtime: 'vllm',
  gpu_type: 'RTX 4090',
  provider: 'vastai',
  prompt_tps: 4000,
  generation_tps: 100,
  ttft_ms_p50: 100,
  ttft_ms_p95: 180,
  max_concurrency: 8,
  vram_used_gb: 20,
  price_per_hour: 0.36,
  ...over,
});
const post = (b: unknown, consumer = 'team-a') => callHandler(handler, { method: 'POST', path: '/api/v1/benchmarks', body: b, authorizer: as(consumer) });
const get = (path: string, routePath?: string, pathParameters?: Record<string, string>) =>
  callHandler(handler, { path, routePath, pathParameters, authorizer: as('team-a') });

describe('benchmark results routes', () => {
  it.each([
    [{ generation_tps: 0 }, 'generation_tps'],
    [{ runtime: 'vlm' }, 'runtime'],
    [{ provider: 'aws' }, 'provider'],
    [{ ttft_ms_p95: 50 }, 'ttft_ms_p95'],
    [{ gpu_count: 0 }, 'gpu_count'],
    [{ model: '<script>' }, 'model'],
    [{ price_per_hour: -1 }, 'price_per_hour'],
  ])('refuses a bad result with a 400 naming the field (%#)', async (over, field) => {
    const res = await post(body(over));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'validation_error', field });
  });

  it('stores a result with its derived figures and hides who reported it', async () => {
    const res = await post(body());
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body['benchmark']).toMatchObject({ usd_per_million_tokens: 1, tokens_per_second_per_dollar: 277.7778, gpu_count: 1 });
    expect(res.body['cost_analysis']).toMatchObject({ usd_per_million_tokens: 1, tokens_per_hour: 360_000 });
    expect(res.body['benchmark']).not.toHaveProperty('consumer_id');
    const id = String((res.body['benchmark'] as Record<string, unknown>)['id']);
    expect((await get(`/api/v1/benchmarks/${id}`, '/api/v1/benchmarks/{id}', { id })).status).toBe(200);
    const missing = await get('/api/v1/benchmarks/nope', '/api/v1/benchmarks/{id}', { id: 'nope' });
    expect(missing.status).toBe(404);
    expect((await get('/api/v1/benchmarks/%3Cx%3E', '/api/v1/benchmarks/{id}', { id: '<x>' })).status).toBe(400);
  });

  it('answers best, cheapest (with min_tps), compare and recommendations from the stored results', async () => {
    await post(body({ gpu_type: 'RTX 4090', generation_tps: 100, price_per_hour: 0.3, vram_used_gb: 20 }));
    await post(body({ gpu_type: 'A100 SXM', generation_tps: 500, price_per_hour: 1.0, vram_used_gb: 40 }));
    await post(body({ gpu_type: 'A100 SXM', generation_tps: 400, price_per_hour: 1.0, vram_used_gb: 40 }));
    await post(body({ model: 'other/Model-70B', gpu_type: 'H100 SXM', generation_tps: 900, price_per_hour: 2 }));
    const q = `model=${encodeURIComponent(MODEL.toUpperCase())}`;
    const best = await get(`/api/v1/benchmarks/best?${q}`);
    expect(best.body['benchmark']).toMatchObject({ gpu_type: 'A100 SXM', generation_tps: 500 });
    const cheapest = await get(`/api/v1/benchmarks/cheapest?${q}`);
    expect(cheapest.body['benchmark']).toMatchObject({ gpu_type: 'A100 SXM', generation_tps: 500 });
    const fastEnough = await get(`/api/v1/benchmarks/cheapest?${q}&min_tps=600`);
    expect(fastEnough.status).toBe(404);
    expect((await get('/api/v1/benchmarks/best?model=unknown/m')).body).toMatchObject({ error_type: 'not_found' });
    expect((await get('/api/v1/benchmarks/best')).status).toBe(400);
    expect((await get('/api/v1/benchmarks/cheapest?model=x&min_tps=fast')).status).toBe(400);

    const cmp = await get(`/api/v1/benchmarks/compare?${q}`);
    expect(cmp.status).toBe(200);
    // the baseline is the slowest: the 4090 at 100 tokens/s
    expect((cmp.body['baseline'] as { benchmark: Record<string, unknown> }).benchmark['gpu_type']).toBe('RTX 4090');
    const comparisons = cmp.body['comparisons'] as Record<string, number>[];
    expect(comparisons[0]).toMatchObject({ speedup_factor: 5, memory_efficiency: 0.5 });
    expect(comparisons[0]!['cost_efficiency']).toBeCloseTo(1.5, 4);

    const rec = await get(`/api/v1/benchmarks/recommendations?model=${encodeURIComponent(MODEL)}`);
    const recs = rec.body['recommendations'] as { offer: { id: string }; prediction: Record<string, unknown> }[];
    // the A100 predicted at 450 tokens/s for $1 beats the 4090 at 100 for $0.30; nothing predicts the H100
    expect(recs.map((r) => r.offer.id)).toEqual(['vastai-2', 'vastai-1']);
    expect(recs[0]!.prediction).toMatchObject({ predicted_tps: 450, result_count: 2, confidence: 0.5, confidence_level: 'medium' });
  });

  it('lists newest first with every filter, paged by cursor; a bad cursor is a 400', async () => {
    for (let i = 0; i < 5; i++) await post(body({ runtime: i % 2 ? 'tgi' : 'vllm' }));
    const page1 = await get('/api/v1/benchmarks?runtime=vllm&limit=2');
    expect(page1.body).toMatchObject({ count: 2 });
    const cursor = String(page1.body['next_cursor']);
    const page2 = await get(`/api/v1/benchmarks?runtime=vllm&limit=2&cursor=${cursor}`);
    expect(page2.body).toMatchObject({ count: 1 });
    expect(page2.body['next_cursor']).toBeUndefined();
    expect((await get('/api/v1/benchmarks?gpu=rtx4090&limit=200')).body).toMatchObject({ count: 5 });
    expect((await get('/api/v1/benchmarks?limit=500')).status).toBe(400);
    const bad = await get('/api/v1/benchmarks?cursor=abc');
    expect(bad.status).toBe(400);
    expect(bad.body['field']).toBe('cursor');
  });
});

describe('benchmark run and schedule routes', () => {
  const runs = (method: string, path: string, b?: unknown, consumer = 'team-a', routePath?: string, id?: string) =>
    callHandler(runsHandler, { method, path, body: b, authorizer: as(consumer), routePath, pathParameters: id ? { id } : undefined });

  it('starts a run for the key’s consumer with one pending item per model × GPU, shows it only to that consumer', async () => {
    const res = await runs('POST', '/api/v1/benchmark-runs', { models: ['a/A-7B', 'b/B-7B'], gpu_types: ['RTX 4090', 'A100 SXM'], max_budget_usd: 3 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const run = res.body['run'] as Record<string, unknown>;
    expect(run).toMatchObject({ consumer_id: 'team-a', status: 'running', committed_usd: 0, item_counts: { pending: 4 } });
    expect(started).toEqual([run['id']]);
    const id = String(run['id']);
    expect((await runs('GET', `/api/v1/benchmark-runs/${id}`, undefined, 'team-b', '/api/v1/benchmark-runs/{id}', id)).status).toBe(404);
    const cancelled = await runs('DELETE', `/api/v1/benchmark-runs/${id}`, undefined, 'team-a', '/api/v1/benchmark-runs/{id}', id);
    expect((cancelled.body['run'] as Record<string, unknown>)['status']).toBe('cancelled');
  });

  it('a workflow that cannot start answers 503 and leaves no run showing as running', async () => {
    const { db, tableName } = await freshTable('bench-api-down');
    const store = new DynamoBenchmarkRunStore(db, tableName);
    const down = makeRunsHandler({
      runs: store,
      schedules: new DynamoBenchmarkScheduleStore(db, tableName),
      workflow: { executionArn: () => '', start: async () => Promise.reject(new Error('StartExecution throttled')) },
      sessions: new DynamoSessionStore(db, tableName),
      events: new DynamoSessionEventLog(db, tableName),
      workflows: new FakeWorkflows(),
      clock: () => new Date(),
    });
    const res = await callHandler(down, {
      method: 'POST',
      path: '/api/v1/benchmark-runs',
      body: { models: ['m'], gpu_types: ['RTX 4090'], max_budget_usd: 1 },
      authorizer: as('team-a'),
    });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ retry_suggested: true });
    const [run] = await store.list('team-a', 10);
    expect(run).toMatchObject({ status: 'cancelled' });
    expect(run!.finished_at).toBeDefined();
  });

  it.each([
    [{ models: [], gpu_types: ['x'], max_budget_usd: 1 }, 'models'],
    [{ models: ['m'], gpu_types: ['x'], max_budget_usd: 0 }, 'max_budget_usd'],
    [{ models: ['m'], gpu_types: ['x'], max_budget_usd: 1, launch_mode: 'entrypoint' }, 'docker_image'],
    [{ models: Array.from({ length: 5 }, (_, i) => `m${i}`), gpu_types: Array.from({ length: 5 }, (_, i) => `g${i}`), max_budget_usd: 1 }, 'models'],
  ])('refuses a bad run with a 400 naming the field (%#)', async (b, field) => {
    const res = await runs('POST', '/api/v1/benchmark-runs', b);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'validation_error', field });
    expect(started).toEqual([]);
  });

  it('creates, disables and deletes schedules; a cron that is not one is a 400', async () => {
    const spec = { models: ['m'], gpu_types: ['RTX 4090'], max_budget_usd: 1 };
    expect((await runs('POST', '/api/v1/benchmark-schedules', { cron: 'every day', run_request: spec })).body).toMatchObject({ error_type: 'validation_error', field: 'cron' });
    const created = await runs('POST', '/api/v1/benchmark-schedules', { cron: '0 3 * * *', run_request: spec, name: 'nightly' });
    expect(created.status).toBe(201);
    expect(String(created.body['next_run_at'])).toMatch(/T03:00:00\.000Z$/);
    const id = String(created.body['id']);
    const off = await runs('PUT', `/api/v1/benchmark-schedules/${id}`, { enabled: false }, 'team-a', '/api/v1/benchmark-schedules/{id}', id);
    expect(off.body).toMatchObject({ enabled: false });
    expect(off.body['next_run_at']).toBeUndefined();
    expect((await runs('DELETE', `/api/v1/benchmark-schedules/${id}`, undefined, 'team-b', '/api/v1/benchmark-schedules/{id}', id)).status).toBe(404);
    expect((await runs('DELETE', `/api/v1/benchmark-schedules/${id}`, undefined, 'team-a', '/api/v1/benchmark-schedules/{id}', id)).body).toEqual({ id, deleted: true });
    expect((await runs('GET', '/api/v1/benchmark-schedules')).body).toMatchObject({ count: 0 });
  });
});
