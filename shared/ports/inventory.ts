// Inventory as the rest of the broker sees it: offers read from stored snapshots (never from a provider on a
// request path), with offer health applied, and the place where provisioning reports an offer's failures.
import type { Offer, ProviderName } from '../domain/offer.ts';

/** Why an offer failed a consumer; lowers its confidence and can suppress it for a while. */
export type OfferFailureType =
  | 'stale_inventory'
  | 'ssh_timeout'
  | 'instance_stopped'
  | 'instance_vanished'
  | 'auth_rejected'
  | 'provider_error'
  | 'api_timeout';

export interface RankedOffer extends Offer {
  /** 0–1: reliability, degraded by recent failures of this offer, of its GPU type and of its host */
  confidence: number;
  /** present when the host failed verification recently (host-reputation.ts): its multiplier */
  host_confidence?: number;
  /** the host failed often enough that retries avoid it */
  host_avoided?: boolean;
}

export interface InventoryReader {
  /** The offer if a fresh snapshot holds it and it is not suppressed; undefined otherwise. */
  findOffer(offerId: string): Promise<RankedOffer | undefined>;
  /** Every offer of fresh snapshots that is not suppressed (for comparable-offer search on auto-retry). */
  listOffers(): Promise<RankedOffer[]>;
}

export interface OfferFailure {
  offer_id: string;
  provider: ProviderName;
  gpu_type: string;
  host_id?: string;
  type: OfferFailureType;
  /** short, secret-free reason */
  reason?: string;
  at: Date;
}

export interface OfferHealthRecorder {
  recordFailure(failure: OfferFailure): Promise<void>;
}
