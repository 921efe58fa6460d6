import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as inventoryHandler } from '../../shared/http/routes/inventory.ts';
import { makeHandler as healthHandler } from '../../shared/http/routes/offer-health.ts';
import { DynamoInventoryReader } from '../../shared/adapters/dynamodb/inventory-store.ts';
import { DynamoInventoryWriter } from '../../shared/adapters/dynamodb/inventory-writer.ts';
import { DynamoOfferHealthStore } from '../../shared/adapters/dynamodb/offer-health-store.ts';
import type { Offer } from '../../shared/domain/offer.ts';
import { ProviderUnavailableError } from '../../shared/domain/provider-errors.ts';
import { InventoryService } from '../../shared/use-cases/inventory-service.ts';
import { refreshInventory } from '../../shared/use-cases/refresh-inventory.ts';
import { callHandler } from '../support/http.ts';
import { FakeProvider, fakeRegistry, ManualClock, offer } from '../support/inventory-fixtures.ts';
import { freshTable } from '../support/table.ts';

const VAST: Offer[] = [
  offer({ id: 'vastai-1', gpu_type: 'RTX 4090', vram_gb: 24, gpu_count: 1, price_per_hour: 0.4, location: 'California, US', reliability: 0.99, cuda_version: 12.4 }),
  offer({ id: 'vastai-2', gpu_type: 'RTX 3090', vram_gb: 24, gpu_count: 2, price_per_hour: 0.25, location: 'Quebec, CA', reliability: 0.9, cuda_version: 11.8 }),
  offer({ id: 'vastai-3', gpu_type: 'A100 SXM4', vram_gb: 80, gpu_count: 8, price_per_hour: 9.5, location: 'Frankfurt, DE', reliability: 0.97, cuda_version: 12.2 }),
  offer({ id: 'vastai-4', gpu_type: 'RTX 4090', vram_gb: 24, gpu_count: 4, price_per_hour: 1.8, location: 'Texas, US', reliability: 0.8 }),
];
const TD: Offer[] = [
  offer({ id: 'tensordock-a', provider: 'tensordock', gpu_type: 'RTX 4090', vram_gb: 24, price_per_hour: 0.35, location: 'Chubbuck, Idaho, United States', reliability: 0.66 }),
  offer({ id: 'tensordock-b', provider: 'tensordock', gpu_type: 'RTX 5060 Ti', vram_gb: 16, price_per_hour: 0.12, location: 'Manassas, Virginia, United States', reliability: 1 }),
];

const T0 = Date.parse('2026-11-28T12:00:00Z');
let clock: ManualClock;
let table: Awaited<ReturnType<typeof freshTable>>;
let service: InventoryService;
let health: DynamoOfferHealthStore;
let vast: FakeProvider;
let td: FakeProvider;

async function refresh() {
  return refreshInventory({
    registry: fakeRegistry(vast, td),
    store: new DynamoInventoryWriter(table.db, table.tableName),
    now: clock.now,
    sleep: async () => undefined,
    options: { timeoutMs: 5000, attempts: 2, backoffMs: 0, maxAgeSeconds: 600 },
  });
}

async function list(query = '') {
  return callHandler(inventoryHandler({ inventory: service }), { path: `/api/v1/inventory${query}` });
}

async function ids(query = '') {
  const res = await list(query);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body['offers'] as { id: string }[]).map((o) => o.id);
}

async function getOne(id: string) {
  return callHandler(inventoryHandler({ inventory: service }), {
    path: `/api/v1/inventory/${encodeURIComponent(id)}`,
    routePath: '/api/v1/inventory/{id}',
    pathParameters: { id },
  });
}

function failure(offerId: string, provider: 'vastai' | 'tensordock' = 'tensordock') {
  return { offer_id: offerId, provider, gpu_type: 'RTX 4090', type: 'ssh_timeout' as const, reason: 'no banner', at: clock.now() };
}

beforeEach(async () => {
  // every test starts from the same two fresh snapshots, in a table of its own
  table = await freshTable('inventory-api');
  clock = new ManualClock(T0);
  vast = new FakeProvider('vastai', VAST);
  td = new FakeProvider('tensordock', TD);
  health = new DynamoOfferHealthStore(table.db, table.tableName, { now: clock.now });
  service = new InventoryService({
    snapshots: new DynamoInventoryReader(table.db, table.tableName),
    failures: health,
    now: clock.now,
    maxAgeSeconds: 600,
  });
  await refresh();
});

describe('GET /api/v1/inventory', () => {
  it('lists every offer, cheapest first, in the shape existing clients parse, with provider status', async () => {
    const res = await list();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ count: 6, total: 6 });
    const offers = res.body['offers'] as Record<string, unknown>[];
    expect(offers.map((o) => o['id'])).toEqual(['tensordock-b', 'vastai-2', 'tensordock-a', 'vastai-1', 'vastai-4', 'vastai-3']);
    for (const o of offers) {
      expect(typeof o['id']).toBe('string');
      expect(typeof o['provider']).toBe('string');
      expect(typeof o['gpu_type']).toBe('string');
      expect(Number.isInteger(o['gpu_count'])).toBe(true);
      expect(typeof o['vram_gb']).toBe('number');
      expect(typeof o['price_per_hour']).toBe('number');
      expect(o['region']).toBe(o['location']);
      expect(o['availability']).toBe('available');
      expect(typeof o['confidence']).toBe('number');
      expect(o['fetched_at']).toBe(new Date(T0).toISOString());
    }
    expect(offers.find((o) => o['id'] === 'vastai-1')).toMatchObject({ confidence: 0.99, cuda_version: 12.4 });
    expect(res.body['providers']).toEqual({
      tensordock: { status: 'ok', fetched_at: new Date(T0).toISOString(), offer_count: 2 },
      vastai: { status: 'ok', fetched_at: new Date(T0).toISOString(), offer_count: 4 },
    });
  });

  it('filters by provider, and rejects an unknown one', async () => {
    expect(await ids('?provider=tensordock')).toEqual(['tensordock-b', 'tensordock-a']);
    expect(await ids('?provider=VastAI')).toEqual(['vastai-2', 'vastai-1', 'vastai-4', 'vastai-3']);
    const bad = await list('?provider=lambdalabs');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error_type: 'validation_error', field: 'provider' });
    expect(String(bad.body['error'])).toMatch(/vastai.*tensordock/);
  });

  it('matches gpu_type however it is spelled', async () => {
    for (const spelling of ['RTX4090', 'rtx 4090', 'RTX 4090', 'GeForce RTX 4090']) {
      expect(await ids(`?gpu_type=${encodeURIComponent(spelling)}`), spelling).toEqual(['tensordock-a', 'vastai-1', 'vastai-4']);
    }
    expect(await ids('?gpu_type=rtx5060ti')).toEqual(['tensordock-b']);
    expect(await ids('?gpu_type=H200')).toEqual([]);
  });

  it('filters by min_vram, max_price (0 = no limit), gpu count (both spellings), location, reliability and CUDA', async () => {
    expect(await ids('?min_vram=30')).toEqual(['vastai-3']);
    expect(await ids('?min_vram=24')).toHaveLength(5);
    expect(await ids('?max_price=0.4')).toEqual(['tensordock-b', 'vastai-2', 'tensordock-a', 'vastai-1']);
    expect(await ids('?max_price=0')).toHaveLength(6);
    expect(await ids('?min_gpu_count=2')).toEqual(['vastai-2', 'vastai-4', 'vastai-3']);
    expect(await ids('?gpu_count=4')).toEqual(['vastai-4', 'vastai-3']);
    expect(await ids('?gpu_count=1&min_gpu_count=8')).toEqual(['vastai-3']);
    expect(await ids('?location=us')).toEqual(['vastai-1', 'vastai-4']);
    expect(await ids('?location=IDAHO')).toEqual(['tensordock-a']);
    expect(await ids('?min_reliability=0.95')).toEqual(['tensordock-b', 'vastai-1', 'vastai-3']);
    expect(await ids('?min_cuda=12')).toEqual(['vastai-1', 'vastai-3']);
    expect(await ids('?min_vram=20&max_price=1&provider=vastai')).toEqual(['vastai-2', 'vastai-1']);
    expect(await ids('?gpu_type=&location=')).toHaveLength(6);
  });

  it('answers 400 naming the parameter for every bad value', async () => {
    const cases: [string, string][] = [
      ['min_vram=abc', 'min_vram'],
      ['min_vram=-1', 'min_vram'],
      ['max_price=cheap', 'max_price'],
      ['min_gpu_count=1.5', 'min_gpu_count'],
      ['gpu_count=two', 'gpu_count'],
      ['min_reliability=1.5', 'min_reliability'],
      ['min_cuda=twelve', 'min_cuda'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['offset=-3', 'offset'],
      ['sort=cheapest', 'sort'],
      [`location=${'x'.repeat(101)}`, 'location'],
    ];
    for (const [query, field] of cases) {
      const res = await list(`?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body, query).toMatchObject({ error_type: 'validation_error', field });
      expect(typeof res.body['request_id']).toBe('string');
    }
  });

  it('sorts by confidence on request, and pages with limit and offset', async () => {
    expect(await ids('?sort=confidence')).toEqual(['tensordock-b', 'vastai-1', 'vastai-3', 'vastai-2', 'vastai-4', 'tensordock-a']);
    const page = await list('?limit=2&offset=2');
    expect(page.body).toMatchObject({ count: 2, total: 6 });
    expect((page.body['offers'] as { id: string }[]).map((o) => o.id)).toEqual(['tensordock-a', 'vastai-1']);
    expect(await ids('?limit=2')).toEqual(['tensordock-b', 'vastai-2']);
    const past = await list('?offset=10');
    expect(past.body).toMatchObject({ count: 0, total: 6, offers: [] });
    expect(await ids('?limit=1000')).toHaveLength(6);
  });

  it('serves a failing provider’s last snapshot as stale, leaves the other alone, and drops it past the maximum age', async () => {
    vast = new FakeProvider('vastai', new ProviderUnavailableError('vastai answered 503'));
    clock.advance(60_000);
    await refresh();
    let res = await list();
    const providers = res.body['providers'] as Record<string, Record<string, unknown>>;
    expect(providers['vastai']).toEqual({
      status: 'stale',
      fetched_at: new Date(T0).toISOString(),
      offer_count: 4,
      error: 'ProviderUnavailableError: vastai answered 503 (attempt 2 of 2)',
    });
    expect(providers['tensordock']).toEqual({ status: 'ok', fetched_at: new Date(T0 + 60_000).toISOString(), offer_count: 2 });
    const offers = res.body['offers'] as { id: string; availability: string }[];
    expect(offers).toHaveLength(6);
    expect(offers.filter((o) => o.id.startsWith('vastai')).every((o) => o.availability === 'stale')).toBe(true);
    expect(offers.filter((o) => o.id.startsWith('tensordock')).every((o) => o.availability === 'available')).toBe(true);

    // ten minutes on, tensordock still refreshing, vastai still failing: its snapshot is too old to serve
    clock.advance(541_000);
    await refresh();
    res = await list();
    expect(await ids()).toEqual(['tensordock-b', 'tensordock-a']);
    expect((res.body['providers'] as Record<string, Record<string, unknown>>)['vastai']).toMatchObject({
      status: 'error',
      offer_count: 0,
      error: expect.stringMatching(/^inventory snapshot is 601s old \(maximum 600s\); last error: ProviderUnavailableError/),
    });
    expect((await getOne('vastai-1')).status).toBe(404);
    expect(await service.findOffer('vastai-1')).toBeUndefined();
    expect((await service.listOffers()).map((o) => o.id).sort()).toEqual(['tensordock-a', 'tensordock-b']);

    // the provider recovers: served again
    vast = new FakeProvider('vastai', VAST);
    await refresh();
    expect(await ids('?provider=vastai')).toHaveLength(4);
  });

  it('lowers the confidence of a failed offer and hides a suppressed one everywhere until it decays', async () => {
    await health.recordFailure(failure('vastai-1', 'vastai'));
    const one = (await getOne('vastai-1')).body;
    expect(one['confidence']).toBe(Math.round(0.99 * 0.7 * 1000) / 1000);

    for (let i = 0; i < 3; i++) await health.recordFailure(failure('tensordock-a'));
    expect(await ids()).not.toContain('tensordock-a');
    expect((await list()).body).toMatchObject({ total: 5 });
    expect((await getOne('tensordock-a')).status).toBe(404);
    expect(await service.findOffer('tensordock-a')).toBeUndefined();
    expect((await service.listOffers()).map((o) => o.id)).not.toContain('tensordock-a');
    expect((await list('?provider=tensordock')).body['providers']).toMatchObject({ tensordock: { offer_count: 1 } });

    // 31 minutes on (snapshots refreshed meanwhile): no longer suppressed, and its failures no longer count
    clock.advance(31 * 60_000);
    await refresh();
    expect(await ids()).toContain('tensordock-a');
    expect((await service.findOffer('tensordock-a'))!.confidence).toBe(0.66);
  });
});

describe('GET /api/v1/inventory/{id}', () => {
  it('returns the offer, or a JSON 404', async () => {
    const found = await getOne('tensordock-b');
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ id: 'tensordock-b', provider: 'tensordock', region: 'Manassas, Virginia, United States', availability: 'available' });
    const missing = await getOne('vastai-404');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error_type: 'not_found', offer_id: 'vastai-404' });
  });
});

describe('GET /api/v1/offer-health', () => {
  const get = (query = '') =>
    callHandler(healthHandler({ failures: health, now: clock.now }), { path: `/api/v1/offer-health${query}` });

  it('answers an empty array when nothing failed', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ offers: [], gpu_types: [], hosts: [], count: 0 });
  });

  it('shows failures, suppression and degraded GPU types, filtered by provider and gpu_type', async () => {
    for (let i = 0; i < 3; i++) await health.recordFailure(failure('tensordock-a'));
    await health.recordFailure({ ...failure('vastai-2', 'vastai'), gpu_type: 'RTX 3090', type: 'instance_vanished', reason: undefined });
    const res = await get();
    expect(res.body['count']).toBe(2);
    const offers = res.body['offers'] as Record<string, unknown>[];
    expect(offers.find((o) => o['offer_id'] === 'tensordock-a')).toEqual({
      offer_id: 'tensordock-a',
      provider: 'tensordock',
      gpu_type: 'RTX 4090',
      recent_failures: 3,
      is_suppressed: true,
      suppressed_until: new Date(T0 + 30 * 60_000).toISOString(),
      confidence_multiplier: 0,
      last_failure: new Date(T0).toISOString(),
      last_failure_type: 'ssh_timeout',
      last_failure_reason: 'no banner',
    });
    expect(offers.find((o) => o['offer_id'] === 'vastai-2')).toMatchObject({ is_suppressed: false, confidence_multiplier: 0.7 });
    expect(res.body['gpu_types']).toEqual([
      { provider: 'tensordock', gpu_type: 'RTX 4090', failed_offers: 1, is_degraded: false, confidence_multiplier: 1 },
      { provider: 'vastai', gpu_type: 'RTX 3090', failed_offers: 1, is_degraded: false, confidence_multiplier: 1 },
    ]);

    expect((await get('?provider=vastai')).body).toMatchObject({ count: 1, offers: [{ offer_id: 'vastai-2' }] });
    expect((await get('?gpu_type=rtx4090')).body).toMatchObject({ count: 1, offers: [{ offer_id: 'tensordock-a' }] });
    expect((await get('?provider=vastai&gpu_type=RTX4090')).body).toMatchObject({ offers: [], gpu_types: [], count: 0 });
    const bad = await get('?provider=nope');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error_type: 'validation_error', field: 'provider' });
  });
});

describe('host reputation in inventory and offer health', () => {
  it('a host that failed verification for anyone is ranked down on every offer it serves, avoided after three, and listed', async () => {
    vast = new FakeProvider('vastai', VAST.map((o) => (o.id === 'vastai-1' || o.id === 'vastai-4' ? { ...o, host_id: 'machine-7' } : o)));
    await refresh();
    const before = (await list('?provider=vastai')).body['offers'] as Record<string, unknown>[];
    const base = Number(before.find((o) => o['id'] === 'vastai-4')!['confidence']);
    expect(before.find((o) => o['id'] === 'vastai-4')!['host_confidence']).toBeUndefined();

    // three consumers' sessions failed on two of the host's offers (none on vastai-4 itself)
    await health.recordFailure({ ...failure('vastai-1', 'vastai'), host_id: 'machine-7' });
    await health.recordFailure({ ...failure('vastai-1', 'vastai'), host_id: 'machine-7', type: 'instance_stopped' });
    let offers = (await list('?provider=vastai')).body['offers'] as Record<string, unknown>[];
    expect(offers.find((o) => o['id'] === 'vastai-4')).toMatchObject({ host_confidence: 0.563, host_avoided: false });
    expect(Number(offers.find((o) => o['id'] === 'vastai-4')!['confidence'])).toBeCloseTo(base * 0.5625, 2);
    expect(offers.find((o) => o['id'] === 'vastai-2')!['host_confidence']).toBeUndefined();

    clock.advance(20 * 3_600_000); // the offer's own failures are long forgotten, the host's are not
    await refresh();
    await health.recordFailure({ ...failure('vastai-4', 'vastai'), gpu_type: 'RTX 4090', host_id: 'machine-7' });
    offers = (await list('?provider=vastai')).body['offers'] as Record<string, unknown>[];
    expect(offers.find((o) => o['id'] === 'vastai-1')).toMatchObject({ host_confidence: 0.422, host_avoided: true });

    const report = await callHandler(healthHandler({ failures: health, now: clock.now }), { path: '/api/v1/offer-health?provider=vastai' });
    expect(report.body['hosts']).toEqual([
      expect.objectContaining({ provider: 'vastai', host_id: 'machine-7', failures: 3, failed_offers: 2, avoided: true }),
    ]);
  });
});
