import { describe, expect, it } from 'vitest';
import { comparableOffers } from '../../shared/domain/comparable-offers.ts';
import type { Offer } from '../../shared/domain/offer.ts';
import { pricedOffer } from '../../shared/domain/offer-pricing.ts';

const vast = (id: string, base: number, storagePerMonth: number, maxDisk = 1000): Offer & { confidence: number } => ({
  id,
  provider: 'vastai',
  provider_offer_id: id.slice(7),
  gpu_type: 'RTX 3090',
  gpu_count: 1,
  vram_gb: 24,
  location: 'Ohio, US',
  reliability: 0.99,
  fetched_at: '2026-12-01T00:00:00Z',
  price_per_hour: Math.round((base + (storagePerMonth * 50) / 720) * 1e6) / 1e6,
  base_price_per_hour: base,
  disk_price_per_gb_hour: storagePerMonth / 720,
  listed_disk_gb: 50,
  min_disk_gb: 8,
  max_disk_gb: maxDisk,
  confidence: 0.9,
});

// chosen at 400 GB: 0.10 + 400 × 0.05 / 720 = 0.127778
const original = pricedOffer(vast('vastai-1', 0.1, 0.05), 400);
const cheapListedDearDisk = vast('vastai-2', 0.09, 0.5); // 0.124722 at 50 GB, 0.367778 at 400 GB
const dearListedCheapDisk = vast('vastai-3', 0.115, 0.01); // 0.115694 at 50 GB, 0.120556 at 400 GB
const smallHost = vast('vastai-4', 0.05, 0.01, 200); // cheapest, but cannot give 400 GB

describe('comparableOffers for the session disk', () => {
  it('compares and returns candidates at their all-in price for the disk, leaving out hosts too small for it', () => {
    const ranked = comparableOffers({
      original,
      scope: 'same_gpu',
      candidates: [cheapListedDearDisk, dearListedCheapDisk, smallHost],
      excludeOffers: [original.id],
      excludeHosts: [],
      diskGb: 400,
    });
    // vastai-2 is 2.9× the original at 400 GB (past the 1.2× same_gpu bound), though within it as listed
    expect(ranked.map((o) => [o.id, o.price_per_hour, o.priced_for_disk_gb])).toEqual([['vastai-3', 0.120556, 400]]);
  });

  it('without a disk keeps listed prices (sessions from before workloads)', () => {
    const ranked = comparableOffers({
      original: vast('vastai-1', 0.1, 0.05),
      scope: 'any',
      candidates: [cheapListedDearDisk, dearListedCheapDisk, smallHost],
      excludeOffers: [],
      excludeHosts: [],
    });
    expect(ranked.map((o) => o.id)).toEqual(['vastai-4', 'vastai-3', 'vastai-2']);
  });
});
