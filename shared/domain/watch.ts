// Price and availability watches: a consumer describes the offer it wants and the most it will pay; every inventory
// refresh checks all active watches at once (one shared poll, never a call per watch to a provider), and a match
// either notifies (an event and webhooks) or creates the session, within the consumer's budget hold. One-shot.
import { offerFilter } from './inventory-query.ts';
import type { Offer, ProviderName } from './offer.ts';
import { fitsDisk, pricedOffer } from './offer-pricing.ts';
import type { RetryScope, WorkloadType } from './session.ts';
import type { WorkloadRequest } from './workload.ts';

export type WatchAction = 'notify' | 'create';
type WatchStatus = 'active' | 'fired' | 'expired' | 'cancelled';

export interface WatchFilters {
  provider?: ProviderName;
  gpu_type?: string;
  min_vram?: number;
  min_gpu_count?: number;
  location?: string;
  min_reliability?: number;
  /** the disk the price is all in for (default: the session's disk, else the default disk) */
  disk_gb?: number;
}

/** What to create on a match: a session request without its offer; the consumer's own key logs in. */
export interface WatchSessionRequest {
  workload_type: WorkloadType;
  reservation_hours: number;
  auto_retry: boolean;
  max_retries: number;
  retry_scope: RetryScope;
  ssh_public_key: string;
  ssh_timeout_minutes?: number;
  workload?: WorkloadRequest;
}

export interface Watch {
  id: string;
  consumer_id: string;
  filters: WatchFilters;
  /** all-in USD per hour, at most */
  max_price: number;
  action: WatchAction;
  session?: WatchSessionRequest;
  status: WatchStatus;
  created_at: string;
  expires_at: string;
  fired_at?: string;
  /** the offer that matched, at the price it matched for */
  matched?: { offer_id: string; provider: ProviderName; gpu_type: string; price_per_hour: number };
  session_id?: string;
  /** the last reason a match could not become a session (budget, offer gone): the watch stays active */
  last_error?: { error_type: string; message: string; at: string };
  checks: number;
  version: number;
}

export const MAX_WATCH_HOURS = 168;
export const DEFAULT_WATCH_HOURS = 24;

/** The disk a watch prices offers for. */
const watchDiskGb = (w: Pick<Watch, 'filters' | 'session'>, defaultDiskGb: number): number =>
  w.filters.disk_gb ?? w.session?.workload?.disk_gb ?? defaultDiskGb;

/**
 * The offers that satisfy a watch, cheapest first at their all-in price for the watch's disk; hosts retries avoid
 * are left out (a watch that creates should not land on a machine that fails everyone).
 */
export function matchingOffers<T extends Offer & { confidence: number; host_avoided?: boolean }>(
  watch: Pick<Watch, 'filters' | 'max_price' | 'session'>,
  offers: T[],
  defaultDiskGb: number,
): (T & { priced_for_disk_gb: number })[] {
  const disk = watchDiskGb(watch, defaultDiskGb);
  const matches = offerFilter({ ...watch.filters, max_price: watch.max_price, limit: 0, offset: 0, sort: 'price' });
  return offers
    .filter((o) => !o.host_avoided && fitsDisk(o, disk))
    .map((o) => pricedOffer(o, disk))
    .filter(matches)
    .sort((a, b) => a.price_per_hour - b.price_per_hour || b.confidence - a.confidence || a.id.localeCompare(b.id));
}

export const isLive = (w: Pick<Watch, 'status' | 'expires_at'>, now: Date): boolean =>
  w.status === 'active' && Date.parse(w.expires_at) > now.getTime();
