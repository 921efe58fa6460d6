// The template catalog end to end below the HTTP layer: the Vast.ai adapter reading the simulated marketplace's
// templates, the scheduled refresh storing them in DynamoDB Local, and the catalog reporting their freshness.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../local/sim/scenario.ts';
import { startVastAiSim, type VastAiSim } from '../../local/sim/vastai.ts';
import { DynamoTemplateCatalogStore, MAX_CATALOG_BYTES } from '../../shared/adapters/dynamodb/template-catalog-store.ts';
import { FetchApiProber } from '../../shared/adapters/http/api-prober.ts';
import { ProviderUnavailableError } from '../../shared/domain/provider-errors.ts';
import type { Template } from '../../shared/domain/template.ts';
import type { ProviderClient } from '../../shared/ports/provider.ts';
import { refreshTemplates } from '../../shared/use-cases/templates/refresh-templates.ts';
import { TemplateCatalog } from '../../shared/use-cases/templates/template-catalog.ts';
import { ManualClock } from '../support/inventory-fixtures.ts';
import { freshTable } from '../support/table.ts';
import { vastClient } from '../sim/helpers.ts';

let sim: VastAiSim;

beforeAll(async () => {
  sim = await startVastAiSim({ scenario: parseScenario({ seed: 5 }) });
});

afterAll(async () => {
  await sim?.stop();
});

const registryOf = (...clients: ProviderClient[]) => ({ all: async () => clients });

describe('the Vast.ai template catalog', () => {
  it('the adapter reads the recommended templates, with their requirements and disk hints', async () => {
    const templates = await vastClient(sim).listTemplates();
    expect(templates.map((t) => t.name)).toEqual(['NVIDIA CUDA', 'vLLM (OpenAI-compatible server)', 'Text Generation Inference', 'Ollama']);
    expect(templates.every((t) => t.recommended)).toBe(true);
    const vllm = templates.find((t) => t.name.startsWith('vLLM'))!;
    expect(vllm).toMatchObject({
      hash_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      image: 'vllm/vllm-openai',
      tag: 'latest',
      runtype: 'args',
      use_ssh: false,
      recommended_disk_space: 80,
      extra_filters: { cuda_max_good: { gte: 12.4 }, gpu_ram: { gte: 16_000 } },
    });
    expect(vllm.created_at).toMatch(/^20\d\d-/);
  });

  it('the refresh stores them; the catalog serves them, then reports them stale, and keeps them when a refresh fails', async () => {
    const { db, tableName } = await freshTable('templates');
    const clock = new ManualClock(Date.parse('2026-11-28T12:00:00Z'));
    const store = new DynamoTemplateCatalogStore(db, tableName);
    const catalog = new TemplateCatalog({ store, now: clock.now, maxAgeSeconds: 7200 });
    expect(await catalog.view()).toEqual({ templates: [], status: 'unavailable' });

    const refreshed = await refreshTemplates({ registry: registryOf(vastClient(sim)), store, now: clock.now, timeoutMs: 5000 });
    expect(refreshed).toEqual({ outcome: 'refreshed', fetched: 4, stored: 4 });
    const view = await catalog.view();
    expect(view).toMatchObject({ status: 'ok', fetched_at: '2026-11-28T12:00:00.000Z', age_seconds: 0 });
    // the most used first
    expect(view.templates.map((t) => t.name)[0]).toBe('NVIDIA CUDA');
    expect((await catalog.find('A1B2C3D4E5F60718293A4B5C6D7E8F90'))?.name).toMatch(/^vLLM/);

    clock.advance(7201 * 1000);
    expect((await catalog.view()).status).toBe('stale');

    const failing = {
      ...vastClient(sim),
      name: 'vastai' as const,
      listTemplates: async () => {
        throw new ProviderUnavailableError('vastai list templates: HTTP 502');
      },
    } as unknown as ProviderClient;
    clock.advance(60_000);
    const failed = await refreshTemplates({ registry: registryOf(failing), store, now: clock.now, timeoutMs: 5000 });
    expect(failed).toEqual({ outcome: 'failed', error: 'vastai list templates: HTTP 502' });
    const afterFailure = await catalog.view();
    expect(afterFailure).toMatchObject({ status: 'stale', error: 'vastai list templates: HTTP 502' });
    expect(afterFailure.templates).toHaveLength(4);

    // no Vast.ai credential: nothing to do, nothing written
    expect(await refreshTemplates({ registry: registryOf(), store, now: clock.now, timeoutMs: 5000 })).toEqual({ outcome: 'unconfigured' });
  });

  it('keeps a catalog too large for one item to the most used templates that fit', async () => {
    const { db, tableName } = await freshTable('templates-big');
    const store = new DynamoTemplateCatalogStore(db, tableName);
    // random scripts do not compress: about 4 KB each on disk
    const noise = (i: number) => Array.from({ length: 3000 }, (_, j) => ((i * 7919 + j * 104_729) % 9973).toString(36)).join('');
    const templates: Template[] = Array.from({ length: 200 }, (_, i) => ({
      hash_id: `${String(i).padStart(8, '0')}aaaabbbbccccdddd`,
      name: `template ${i}`,
      image: 'acme/img',
      onstart: noise(i),
      recommended: true,
      extra_filters: {},
      count_created: i,
    }));
    const { stored } = await store.write({ templates, fetched_at: '2026-11-28T12:00:00Z' });
    expect(stored).toBeLessThan(200);
    expect(stored).toBeGreaterThan(10);
    const read = (await store.read())!;
    expect(read.templates).toHaveLength(stored);
    expect(read.templates[0]!.name).toBe('template 199');
    expect(MAX_CATALOG_BYTES).toBeLessThan(400 * 1024);
  });
});

describe('health probes of an entrypoint server', () => {
  let server: http.Server;
  let base: string;
  let hang: http.Server;
  let hangUrl: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const status = req.url === '/health' ? 200 : req.url === '/loading' ? 503 : req.url === '/moved' ? 302 : 404;
      res.writeHead(status, status === 302 ? { location: '/health' } : {});
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    hang = http.createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    hangUrl = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/health`;
  });

  afterAll(async () => {
    hang.closeAllConnections();
    await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => hang.close(r))]);
  });

  it('classifies 2xx, other answers, refusals and silence', async () => {
    const prober = new FetchApiProber();
    expect(await prober.probe(`${base}/health`, { timeoutMs: 2000 })).toMatchObject({ class: 'ok', status: 200 });
    expect(await prober.probe(`${base}/loading`, { timeoutMs: 2000 })).toMatchObject({ class: 'http_error', status: 503 });
    expect(await prober.probe(`${base}/nothing`, { timeoutMs: 2000 })).toMatchObject({ class: 'http_error', status: 404 });
    // a redirect is not a health answer
    expect(await prober.probe(`${base}/moved`, { timeoutMs: 2000 })).toMatchObject({ class: 'http_error', status: 302 });
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await prober.probe(`http://127.0.0.1:${closedPort}/health`, { timeoutMs: 2000 })).toMatchObject({
      class: 'refused',
      detail: 'ECONNREFUSED',
    });
    const silent = await prober.probe(hangUrl, { timeoutMs: 300 });
    expect(silent.class).toBe('timeout');
    expect(silent.duration_ms).toBeLessThan(2000);
  });
});
