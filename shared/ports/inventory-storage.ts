// Where inventory snapshots and offer failures are kept. The refresh writes snapshots; every reader (the API,
// sessions, readiness) reads them and never a provider.
import type { ProviderSnapshot, SnapshotHead, StoredOffer } from '../domain/inventory-snapshot.ts';
import type { ProviderName } from '../domain/offer.ts';
import type { OfferFailure } from './inventory.ts';

export interface PublishResult {
  /** written: new content stored; unchanged: same content, only its confirmation time moved; busy: another
   *  refresh was writing this provider's snapshot, nothing done */
  outcome: 'written' | 'unchanged' | 'busy';
  head?: SnapshotHead;
  /** storage write requests this call made (the cost this design keeps small) */
  writeRequests: number;
}

export interface FailureResult {
  head?: SnapshotHead;
  writeRequests: number;
}

export interface InventorySnapshotWriter {
  /** Stores the provider's complete offer list as its snapshot, writing the offers only when they changed. */
  publish(provider: ProviderName, offers: StoredOffer[], fetchedAt: Date): Promise<PublishResult>;
  /** Records a failed refresh; the provider's last good snapshot (and every other provider's) is left alone. */
  recordFailure(provider: ProviderName, error: string, at: Date): Promise<FailureResult>;
}

export interface InventorySnapshotReader {
  /** Every provider's head and the offers of its last good snapshot (empty without one). */
  snapshots(): Promise<ProviderSnapshot[]>;
  /** Only the heads: cheap, for readiness and status. */
  heads(): Promise<SnapshotHead[]>;
}

export interface OfferFailureSource {
  /** the failures still kept (the decay window), all providers */
  recentFailures(): Promise<OfferFailure[]>;
}
