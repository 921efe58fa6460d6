// Filters, sort and paging of GET /api/v1/inventory, as pure functions over the offers storage holds.
import { gpuKey, type Offer, type ProviderName } from './offer.ts';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export interface InventoryQuery {
  provider?: ProviderName;
  /** any spelling: "RTX4090", "rtx 4090" and "RTX 4090" are the same GPU */
  gpu_type?: string;
  /** GB per GPU, at least */
  min_vram?: number;
  /** USD per hour, at most; 0 means no limit (as existing clients expect) */
  max_price?: number;
  min_gpu_count?: number;
  /** case-insensitive substring of the location */
  location?: string;
  min_reliability?: number;
  /** an offer without a known CUDA version does not meet a minimum */
  min_cuda?: number;
  /** Vast.ai offers that meet this template's host requirements (resolved against the catalog by the caller) */
  template_hash_id?: string;
  /** GB of disk the offers are priced for (all-in price_per_hour) and must be able to give; the caller re-prices */
  disk_gb?: number;
  limit: number;
  offset: number;
  /** price: cheapest first; confidence: most likely to work first */
  sort: 'price' | 'confidence';
}

type Filterable = Pick<
  Offer,
  'provider' | 'gpu_type' | 'vram_gb' | 'price_per_hour' | 'gpu_count' | 'location' | 'reliability' | 'cuda_version'
>;

export function offerFilter(q: InventoryQuery): (offer: Filterable) => boolean {
  const gpu = q.gpu_type === undefined ? undefined : gpuKey(q.gpu_type);
  const location = q.location?.toLowerCase();
  // thousands of offers share a few GPU names: normalise each name once
  const keys = new Map<string, string>();
  const keyOf = (name: string) => {
    let key = keys.get(name);
    if (key === undefined) {
      key = gpuKey(name);
      keys.set(name, key);
    }
    return key;
  };
  return (o) =>
    (q.provider === undefined || o.provider === q.provider) &&
    (gpu === undefined || keyOf(o.gpu_type) === gpu) &&
    (q.min_vram === undefined || o.vram_gb >= q.min_vram) &&
    (!q.max_price || o.price_per_hour <= q.max_price) &&
    (q.min_gpu_count === undefined || o.gpu_count >= q.min_gpu_count) &&
    (location === undefined || o.location.toLowerCase().includes(location)) &&
    (q.min_reliability === undefined || o.reliability >= q.min_reliability) &&
    (!q.min_cuda || (o.cuda_version ?? 0) >= q.min_cuda);
}

type Sortable = Pick<Offer, 'id' | 'price_per_hour'> & { confidence: number };

function offerComparator(sort: InventoryQuery['sort']): (a: Sortable, b: Sortable) => number {
  const byPrice = (a: Sortable, b: Sortable) => a.price_per_hour - b.price_per_hour;
  const byConfidence = (a: Sortable, b: Sortable) => b.confidence - a.confidence;
  const byId = (a: Sortable, b: Sortable) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return sort === 'confidence'
    ? (a, b) => byConfidence(a, b) || byPrice(a, b) || byId(a, b)
    : (a, b) => byPrice(a, b) || byConfidence(a, b) || byId(a, b);
}

interface QueryResult<T> {
  offers: T[];
  /** matches before paging */
  total: number;
}

/** Sorted copies of an offer list, kept while the list itself is reused (readers reuse it until storage changes). */
const sortedCopies = new WeakMap<object, Map<InventoryQuery['sort'], unknown[]>>();

function sortedOffers<T extends Sortable>(offers: T[], sort: InventoryQuery['sort']): T[] {
  let bySort = sortedCopies.get(offers);
  if (!bySort) {
    bySort = new Map();
    sortedCopies.set(offers, bySort);
  }
  let sorted = bySort.get(sort) as T[] | undefined;
  if (!sorted) {
    sorted = [...offers].sort(offerComparator(sort));
    bySort.set(sort, sorted);
  }
  return sorted;
}

export function queryOffers<T extends Filterable & Sortable>(offers: T[], q: InventoryQuery): QueryResult<T> {
  // filtering keeps the order, so sorting once per list (not per request) gives the same answer
  const matches = sortedOffers(offers, q.sort).filter(offerFilter(q));
  return { offers: matches.slice(q.offset, q.offset + q.limit), total: matches.length };
}
