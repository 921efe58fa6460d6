import { describe, expect, it } from 'vitest';
import type { Offer } from '../../shared/domain/offer.ts';
import { pricedOffer } from '../../shared/domain/offer-pricing.ts';
import type { CostRecord } from '../../shared/ports/cost-ledger.ts';
import { sessionCostReport } from '../../shared/use-cases/costs/cost-report.ts';
import { priceParts } from '../../shared/use-cases/provisioning/attempt-cost.ts';

const listed: Offer = {
  id: 'vastai-7',
  provider: 'vastai',
  provider_offer_id: '7',
  gpu_type: 'RTX 4090',
  gpu_count: 1,
  vram_gb: 24,
  location: 'Texas, US',
  reliability: 0.99,
  fetched_at: '2026-12-01T00:00:00Z',
  price_per_hour: 0.306944,
  base_price_per_hour: 0.3,
  disk_price_per_gb_hour: 0.1 / 720,
  listed_disk_gb: 50,
  min_disk_gb: 8,
  inet_down_price_per_gb: 0.003,
  inet_up_price_per_gb: 0.004,
};

const record = (over: Partial<CostRecord>): CostRecord => ({
  session_id: 's',
  consumer_id: 'c',
  attempt: 1,
  provider: 'vastai',
  gpu_type: 'RTX 4090',
  instance_id: 'i',
  price_per_hour: 0.327778,
  started_at: '2026-12-01T00:00:00.000Z',
  ended_at: '2026-12-01T02:00:00.000Z',
  reached_running: true,
  refunded: false,
  currency: 'USD',
  ...over,
});

describe('priceParts', () => {
  it('splits an attempt priced for its disk into GPU, disk and bandwidth rates', () => {
    const offer = pricedOffer(listed, 200);
    expect(priceParts({ offer, price_per_hour: offer.price_per_hour })).toEqual({
      gpu_per_hour: 0.3,
      disk_per_hour: 0.027778,
      disk_gb: 200,
      inet_down_per_gb: 0.003,
      inet_up_per_gb: 0.004,
    });
  });

  it('gives no parts for an attempt made before offers were re-priced (its listed price stands alone)', () => {
    expect(priceParts({ offer: listed, price_per_hour: listed.price_per_hour })).toEqual({});
  });
});

describe('sessionCostReport parts', () => {
  it('names GPU, disk and bandwidth; GPU and disk add up to the billed cost', () => {
    const report = sessionCostReport(
      's',
      [record({ gpu_per_hour: 0.3, disk_per_hour: 0.027778, disk_gb: 200, inet_down_per_gb: 0.003, inet_up_per_gb: 0.004 })],
      new Date('2026-12-01T03:00:00Z'),
    );
    expect(report.total_cost).toBe(0.655556);
    expect(report).toMatchObject({ gpu_cost: 0.6, disk_cost: 0.055556, estimated_bandwidth_cost: null });
    expect(report.breakdown[0]).toMatchObject({
      price_per_hour: 0.327778,
      gpu_per_hour: 0.3,
      disk_per_hour: 0.027778,
      disk_gb: 200,
      gpu_cost: 0.6,
      disk_cost: 0.055556,
      bandwidth: { inet_down_per_gb: 0.003, inet_up_per_gb: 0.004, estimated_cost: null },
    });
  });

  it('counts a record without parts as GPU, and a refunded attempt as nothing', () => {
    const report = sessionCostReport(
      's',
      [record({ price_per_hour: 0.5 }), record({ attempt: 2, refunded: true, gpu_per_hour: 0.3, disk_per_hour: 0.1 })],
      new Date('2026-12-01T03:00:00Z'),
    );
    expect(report.breakdown[0]).toMatchObject({ gpu_per_hour: 0.5, disk_per_hour: null, gpu_cost: 1, disk_cost: 0 });
    expect(report.breakdown[1]).toMatchObject({ gpu_cost: 0, disk_cost: 0 });
    expect(report).toMatchObject({ total_cost: 1, gpu_cost: 1, disk_cost: 0 });
  });
});
