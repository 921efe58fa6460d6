import type { Watch } from '../domain/watch.ts';

export interface WatchStore {
  create(watch: Watch): Promise<void>;
  get(id: string): Promise<Watch | undefined>;
  /** a consumer's watches (every status), newest first */
  list(consumerId: string | undefined, limit: number): Promise<Watch[]>;
  /** every watch still active (expired ones included until the check marks them) */
  listActive(): Promise<Watch[]>;
  /**
   * Read, apply, write with an optimistic lock on `version`; returns the stored watch and whether this change won.
   * The change function returns undefined to leave the watch as it is.
   */
  apply(id: string, change: (w: Watch) => Partial<Watch> | undefined): Promise<{ watch: Watch; applied: boolean }>;
}
