// What the reconciler remembers between runs, per provider: one small record, rewritten after each complete
// listing. It is only ever advisory — losing it makes the reconciler wait longer, never act sooner.
import type { ProviderName } from '../domain/offer.ts';

/** A running session's instance that complete listings no longer show. */
export interface Miss {
  instance_id: string;
  /** consecutive complete listings without it */
  count: number;
  first_missed_at: string;
}

export interface ReconcilerMemory {
  provider: ProviderName;
  /** instance id → when the reconciler first saw it unowned (for instances whose creation time is unknown) */
  first_seen: Record<string, string>;
  /** session id → its instance's misses */
  misses: Record<string, Miss>;
  /** optimistic-lock counter; 0 when nothing was stored yet */
  version: number;
}

export interface ReconcilerMemoryStore {
  load(provider: ProviderName): Promise<ReconcilerMemory>;
  /** false when another run wrote since this one loaded (it then acts on nothing) */
  save(memory: ReconcilerMemory): Promise<boolean>;
}
