// GET /api/v1/inventory prices every offer all in for the disk the caller will use (disk_gb), through the real
// refresh, snapshot store and handler.
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as inventoryHandler } from '../../shared/http/routes/inventory.ts';
import { DynamoInventoryReader } from '../../shared/adapters/dynamodb/inventory-store.ts';
import { DynamoInventoryWriter } from '../../shared/adapters/dynamodb/inventory-writer.ts';
import { DynamoOfferHealthStore } from '../../shared/adapters/dynamodb/offer-health-store.ts';
import type { Offer } from '../../shared/domain/offer.ts';
import { inventoryAnswer, offer as offerSchema } from '../../shared/http/schemas/responses.ts';
import { InventoryService } from '../../shared/use-cases/inventory-service.ts';
import { refreshInventory } from '../../shared/use-cases/refresh-inventory.ts';
import { callHandler } from '../support/http.ts';
import { FakeProvider, fakeRegistry, ManualClock, offer } from '../support/inventory-fixtures.ts';
import { freshTable } from '../support/table.ts';

// listed for 50 GB (Vast) / 100 GB (TensorDock), as the adapters store them
const vast = (id: string, base: number, storagePerMonth: number, maxDisk: number): Offer =>
  offer({
    id,
    price_per_hour: Math.round((base + (storagePerMonth / 720) * 50) * 1e6) / 1e6,
    base_price_per_hour: base,
    disk_price_per_gb_hour: storagePerMonth / 720,
    listed_disk_gb: 50,
    min_disk_gb: 8,
    max_disk_gb: maxDisk,
    inet_down_price_per_gb: 0.003,
    inet_up_price_per_gb: 0.002,
  });
const VAST: Offer[] = [
  vast('vastai-dear-disk', 0.3, 0.3, 1000), // 0.320833 at 50 GB, 0.466667 at 400 GB
  vast('vastai-cheap-disk', 0.31, 0.02, 500), // 0.311389 at 50 GB, 0.321111 at 400 GB
  vast('vastai-small-host', 0.2, 0.1, 100), // 0.206944 at 50 GB, cannot give 400 GB
];
const TD: Offer[] = [
  offer({
    id: 'tensordock-a',
    provider: 'tensordock',
    price_per_hour: 0.32,
    base_price_per_hour: 0.315,
    disk_price_per_gb_hour: 0.00005,
    listed_disk_gb: 100,
    min_disk_gb: 100,
    max_disk_gb: 30200,
  }), // 0.32 up to 100 GB, 0.335 at 400 GB
  // stored before offers carried pricing inputs: priced as listed
  offer({ id: 'tensordock-old', provider: 'tensordock', price_per_hour: 0.33 }),
];

let service: InventoryService;

beforeEach(async () => {
  const table = await freshTable('inventory-pricing');
  const clock = new ManualClock(Date.parse('2026-12-01T12:00:00Z'));
  service = new InventoryService({
    snapshots: new DynamoInventoryReader(table.db, table.tableName),
    failures: new DynamoOfferHealthStore(table.db, table.tableName, { now: clock.now }),
    now: clock.now,
    maxAgeSeconds: 600,
  });
  await refreshInventory({
    registry: fakeRegistry(new FakeProvider('vastai', VAST), new FakeProvider('tensordock', TD)),
    store: new DynamoInventoryWriter(table.db, table.tableName),
    now: clock.now,
    sleep: async () => undefined,
    options: { timeoutMs: 5000, attempts: 2, backoffMs: 0, maxAgeSeconds: 600 },
  });
});

const list = (query = '') => callHandler(inventoryHandler({ inventory: service }), { path: `/api/v1/inventory${query}` });

async function prices(query = ''): Promise<[string, number][]> {
  const res = await list(query);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body['offers'] as Offer[]).map((o) => [o.id, o.price_per_hour]);
}

describe('GET /api/v1/inventory?disk_gb=', () => {
  it('without disk_gb prices for the default disk and says so', async () => {
    const res = await list();
    expect(inventoryAnswer.safeParse(res.body).success).toBe(true);
    expect(res.body['priced_for_disk_gb']).toBe(50);
    expect(await prices()).toEqual([
      ['vastai-small-host', 0.206944],
      ['vastai-cheap-disk', 0.311389],
      ['tensordock-a', 0.32],
      ['vastai-dear-disk', 0.320833],
      ['tensordock-old', 0.33],
    ]);
  });

  it('re-prices every offer for the disk, re-sorts, and leaves out hosts that cannot give it', async () => {
    const res = await list('?disk_gb=400');
    expect(res.body).toMatchObject({ priced_for_disk_gb: 400, count: 4, total: 4 });
    expect(await prices('?disk_gb=400')).toEqual([
      ['vastai-cheap-disk', 0.321111],
      ['tensordock-old', 0.33],
      ['tensordock-a', 0.335],
      ['vastai-dear-disk', 0.466667],
    ]);
  });

  it('shows what each price is made of, bandwidth rates included', async () => {
    const res = await list('?disk_gb=400&provider=vastai');
    const offers = res.body['offers'] as Record<string, unknown>[];
    for (const o of offers) expect(offerSchema.safeParse(o).success).toBe(true);
    expect(offers.find((o) => o['id'] === 'vastai-dear-disk')).toMatchObject({
      price_per_hour: 0.466667,
      priced_for_disk_gb: 400,
      inet_down_price_per_gb: 0.003,
      inet_up_price_per_gb: 0.002,
      price_breakdown: {
        price_per_hour: 0.466667,
        gpu_per_hour: 0.3,
        disk_per_hour: 0.166667,
        disk_gb: 400,
        basis: 'all_in',
        inet_down_per_gb: 0.003,
        inet_up_per_gb: 0.002,
      },
    });
    const td = await list('?disk_gb=40&provider=tensordock');
    // TensorDock creates at least 100 GB, and bills it
    expect((td.body['offers'] as Record<string, unknown>[])[0]).toMatchObject({
      id: 'tensordock-a',
      price_per_hour: 0.32,
      price_breakdown: { disk_gb: 100, disk_per_hour: 0.005, gpu_per_hour: 0.315 },
    });
  });

  it('applies max_price to the all-in price for the disk', async () => {
    expect((await prices('?disk_gb=400&max_price=0.334')).map(([id]) => id)).toEqual(['vastai-cheap-disk', 'tensordock-old']);
    expect((await prices('?max_price=0.334')).map(([id]) => id)).toContain('vastai-dear-disk');
  });

  it('prices one offer for the disk too', async () => {
    const res = await callHandler(inventoryHandler({ inventory: service }), {
      path: '/api/v1/inventory/vastai-dear-disk?disk_gb=200',
      routePath: '/api/v1/inventory/{id}',
      pathParameters: { id: 'vastai-dear-disk' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ price_per_hour: 0.383333, priced_for_disk_gb: 200 });
  });

  it('answers a clear 400 for a disk that is not a whole number of GB between 8 and 4096', async () => {
    for (const bad of ['abc', '4', '5000', '10.5', '-50']) {
      const res = await list(`?disk_gb=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(res.body, bad).toMatchObject({ error_type: 'validation_error', field: 'disk_gb' });
      expect(String(res.body['error']), bad).toMatch(/disk_gb/);
    }
  });
});
