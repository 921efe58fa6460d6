// A provider's stored inventory: the head that describes its last good snapshot and its last refresh attempt,
// and the rules that say whether that snapshot may still be served.
import type { Offer, ProviderName } from './offer.ts';

export type ProviderInventoryStatus = 'ok' | 'stale' | 'error';

/** An offer as stored: `fetched_at` belongs to the snapshot (its last confirmation), not to each offer. */
export type StoredOffer = Omit<Offer, 'fetched_at'>;

export interface SnapshotHead {
  provider: ProviderName;
  /** 0 until the first good snapshot; +1 each time the content changes */
  version: number;
  /** content hash of the stored offers */
  hash?: string;
  /** when a successful fetch last confirmed the stored offers */
  fetched_at?: string;
  /** when the stored content was written (it may have been confirmed unchanged many times since) */
  written_at?: string;
  /** the last refresh attempt, good or bad */
  checked_at: string;
  /** as the last refresh left it; readers re-derive it with `assessSnapshot` (age matters too) */
  status: ProviderInventoryStatus;
  /** short, secret-free */
  last_error?: string;
  last_error_at?: string;
  offer_count: number;
  chunk_count: number;
  /** first time this provider was refreshed at all */
  created_at: string;
}

export interface ProviderSnapshot {
  head: SnapshotHead;
  offers: StoredOffer[];
}

interface SnapshotAssessment {
  status: ProviderInventoryStatus;
  /** whether its offers may be served */
  servable: boolean;
  /** seconds since the snapshot was last confirmed; undefined without a snapshot */
  age_seconds?: number;
  error?: string;
}

/**
 * ok: the last refresh succeeded; stale: it failed but the last good snapshot is young enough to serve;
 * error: there is no good snapshot, or it is older than the maximum age and is not served.
 */
export function assessSnapshot(head: SnapshotHead, now: Date, maxAgeSeconds: number): SnapshotAssessment {
  if (head.version < 1 || !head.fetched_at) {
    return { status: 'error', servable: false, error: head.last_error ?? 'no inventory snapshot yet' };
  }
  const ageSeconds = Math.max(0, Math.round((now.getTime() - Date.parse(head.fetched_at)) / 1000));
  if (ageSeconds > maxAgeSeconds) {
    const why = `inventory snapshot is ${ageSeconds}s old (maximum ${maxAgeSeconds}s)`;
    return {
      status: 'error',
      servable: false,
      age_seconds: ageSeconds,
      error: head.last_error ? `${why}; last error: ${head.last_error}` : why,
    };
  }
  const failedSince = head.last_error_at !== undefined && head.last_error_at > head.fetched_at;
  return failedSince
    ? { status: 'stale', servable: true, age_seconds: ageSeconds, error: head.last_error }
    : { status: 'ok', servable: true, age_seconds: ageSeconds };
}
