// Creating, reading and cancelling watches. The check itself is check-watches.ts.
import { NotFoundError } from '../../domain/errors.ts';
import { DEFAULT_WATCH_HOURS, type Watch, type WatchAction, type WatchFilters, type WatchSessionRequest } from '../../domain/watch.ts';
import type { WatchStore } from '../../ports/watches.ts';
import { newWatchId } from './check-watches.ts';

export interface WatchDeps {
  watches: WatchStore;
  clock: () => Date;
}

export interface NewWatch {
  consumer_id: string;
  filters: WatchFilters;
  max_price: number;
  action: WatchAction;
  session?: WatchSessionRequest;
  expires_in_hours?: number;
}

export async function createWatch(deps: WatchDeps, req: NewWatch): Promise<Watch> {
  const now = deps.clock();
  const watch: Watch = {
    id: newWatchId(),
    consumer_id: req.consumer_id,
    filters: req.filters,
    max_price: req.max_price,
    action: req.action,
    ...(req.session ? { session: req.session } : {}),
    status: 'active',
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + (req.expires_in_hours ?? DEFAULT_WATCH_HOURS) * 3_600_000).toISOString(),
    checks: 0,
    version: 1,
  };
  await deps.watches.create(watch);
  return watch;
}

/** The watch if the caller may see it (its own consumer's, or any for admin); 404 otherwise, as for sessions. */
export async function watchForCaller(deps: WatchDeps, id: string, mayRead: (consumerId: string) => boolean): Promise<Watch> {
  const watch = await deps.watches.get(id);
  if (!watch || !mayRead(watch.consumer_id)) throw new NotFoundError(`watch ${id} not found`, { watch_id: id });
  return watch;
}

export async function cancelWatch(deps: WatchDeps, watch: Watch): Promise<Watch> {
  return (await deps.watches.apply(watch.id, (w) => (w.status === 'active' ? { status: 'cancelled' } : undefined))).watch;
}
