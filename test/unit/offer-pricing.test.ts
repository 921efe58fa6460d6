import { describe, expect, it } from 'vitest';
import type { Offer } from '../../shared/domain/offer.ts';
import { billedDiskGb, fitsDisk, priceFor, pricedOffer, pricedOffers } from '../../shared/domain/offer-pricing.ts';

const base: Offer = {
  id: 'vastai-1',
  provider: 'vastai',
  provider_offer_id: '1',
  gpu_type: 'RTX 4090',
  gpu_count: 1,
  vram_gb: 24,
  location: 'Texas, US',
  reliability: 0.99,
  fetched_at: '2026-12-01T00:00:00Z',
  // as the Vast adapter stores it: dph_total for 50 GB at $0.10/GB-month
  price_per_hour: 0.306944,
  base_price_per_hour: 0.3,
  disk_price_per_gb_hour: 0.1 / 720,
  listed_disk_gb: 50,
  min_disk_gb: 8,
  max_disk_gb: 500,
  inet_down_price_per_gb: 0.003,
  inet_up_price_per_gb: 0.004,
};

describe('priceFor', () => {
  it('is the base plus storage_cost ÷ 720 per GB of the disk asked for', () => {
    expect(priceFor(base, 200)).toEqual({
      price_per_hour: 0.327778,
      gpu_per_hour: 0.3,
      disk_per_hour: 0.027778,
      disk_gb: 200,
      basis: 'all_in',
      inet_down_per_gb: 0.003,
      inet_up_per_gb: 0.004,
    });
  });

  it('gives back the listed price for the listed disk', () => {
    expect(priceFor(base, 50).price_per_hour).toBe(base.price_per_hour);
  });

  it('bills a disk below the provider minimum as the minimum', () => {
    const td = { ...base, base_price_per_hour: 0.4846, disk_price_per_gb_hour: 0.00005, listed_disk_gb: 100, min_disk_gb: 100 };
    expect(billedDiskGb(td, 50)).toBe(100);
    expect(priceFor(td, 50)).toMatchObject({ price_per_hour: 0.4896, disk_gb: 100, disk_per_hour: 0.005 });
    expect(priceFor(td, 300)).toMatchObject({ price_per_hour: 0.4996, disk_gb: 300, disk_per_hour: 0.015 });
  });

  it('keeps the listed price of an offer stored before pricing inputs existed', () => {
    const old: Offer = { ...base, price_per_hour: 0.5 };
    delete old.base_price_per_hour;
    delete old.disk_price_per_gb_hour;
    expect(priceFor(old, 200)).toMatchObject({ price_per_hour: 0.5, gpu_per_hour: 0.5, disk_per_hour: 0, basis: 'listed' });
  });

  it('grows with the disk, and the parts add up to the price', () => {
    let last = 0;
    for (const disk of [8, 16, 50, 100, 200, 1000, 4096]) {
      const p = priceFor(base, disk);
      expect(p.price_per_hour).toBeGreaterThan(last);
      expect(Math.abs(p.gpu_per_hour + p.disk_per_hour - p.price_per_hour)).toBeLessThanOrEqual(2e-6);
      last = p.price_per_hour;
    }
  });
});

describe('pricedOffer / pricedOffers', () => {
  it('re-prices a copy, keeping every other field, and says for which disk', () => {
    const served = { ...base, confidence: 0.8 };
    const priced = pricedOffer(served, 200);
    expect(priced).toMatchObject({ id: 'vastai-1', confidence: 0.8, price_per_hour: 0.327778, priced_for_disk_gb: 200 });
    expect(served.price_per_hour).toBe(0.306944);
    // re-pricing a re-priced offer depends only on its inputs
    expect(pricedOffer(priced, 50).price_per_hour).toBe(0.306944);
  });

  it('leaves out offers whose host cannot give the disk, and reuses the list per disk', () => {
    const small = { ...base, id: 'vastai-2', max_disk_gb: 100 };
    const unknown = { ...base, id: 'vastai-3', max_disk_gb: undefined };
    const list = [base, small, unknown];
    expect(fitsDisk(small, 200)).toBe(false);
    expect(pricedOffers(list, 200).map((o) => o.id)).toEqual(['vastai-1', 'vastai-3']);
    expect(pricedOffers(list, 200)).toBe(pricedOffers(list, 200));
    expect(pricedOffers(list, 100).map((o) => o.id)).toEqual(['vastai-1', 'vastai-2', 'vastai-3']);
  });
});
