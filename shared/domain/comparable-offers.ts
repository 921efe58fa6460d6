// Choosing another offer for an automatic retry inside the same session.
import { gpuKey, type Offer } from './offer.ts';
import { fitsDisk, pricedOffer } from './offer-pricing.ts';
import type { RetryScope } from './session.ts';

/** How much dearer a replacement may be than the offer the consumer chose. */
const PRICE_BOUND: Record<RetryScope, number> = { same_gpu: 1.2, same_vram: 1.5, any: 2.0 };

interface ComparableQuery<T extends Offer> {
  original: Offer;
  scope: RetryScope;
  candidates: T[];
  excludeOffers: string[];
  excludeHosts: string[];
  /** the session's disk: candidates are compared (and returned) at their all-in price for it, and must fit it */
  diskGb?: number;
}

export function comparableOffers<T extends Offer & { confidence?: number }>(q: ComparableQuery<T>): T[] {
  const maxPrice = q.original.price_per_hour * PRICE_BOUND[q.scope];
  const excluded = new Set(q.excludeOffers);
  const badHosts = new Set(q.excludeHosts);
  const disk = q.diskGb;
  const candidates = disk === undefined ? q.candidates : q.candidates.filter((o) => fitsDisk(o, disk)).map((o) => pricedOffer(o, disk));
  return candidates
    .filter((o) => !excluded.has(o.id) && !(o.host_id && badHosts.has(o.host_id)))
    .filter((o) => o.price_per_hour <= maxPrice && o.gpu_count >= q.original.gpu_count)
    .filter((o) => inScope(o, q.original, q.scope))
    .sort((a, b) => confidenceBand(b) - confidenceBand(a) || a.price_per_hour - b.price_per_hour || a.id.localeCompare(b.id));
}

function inScope(o: Offer, original: Offer, scope: RetryScope): boolean {
  if (scope === 'any') return o.vram_gb >= original.vram_gb;
  if (o.provider !== original.provider) return false;
  return scope === 'same_gpu' ? gpuKey(o.gpu_type) === gpuKey(original.gpu_type) : o.vram_gb >= original.vram_gb;
}

/** Offers within 0.1 of confidence are equally good: among them the cheapest wins. */
function confidenceBand(o: { confidence?: number }): number {
  return Math.floor((o.confidence ?? 0.5) * 10);
}

/**
 * Pick among the best few so that many sessions failing on one offer at once do not all pile onto the same next one,
 * yet deterministically per session (the choice survives a retried task).
 */
export function pickSpread<T>(ranked: T[], seed: string, topN = 3): T | undefined {
  const pool = ranked.slice(0, topN);
  if (pool.length === 0) return undefined;
  let h = 0;
  for (const ch of seed) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return pool[h % pool.length];
}
