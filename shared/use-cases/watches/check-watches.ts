// The shared poll: after each inventory refresh every active watch is matched against the served offers at once.
// A match fires the watch exactly once (the write that moves it to `fired` wins); `notify` publishes watch.matched,
// `create` creates the session through the ordinary create (the budget hold applies: a refusal leaves the watch
// active with the reason). Expired watches are closed.
import { randomUUID } from 'node:crypto';
import type { Answer, watch as watchAnswer } from '../../http/schemas/responses.ts';
import { AppError, ConflictError } from '../../domain/errors.ts';
import { isLive, matchingOffers, type Watch } from '../../domain/watch.ts';
import type { ConsumerEventBus } from '../../ports/consumer-events.ts';
import type { InventoryReader } from '../../ports/inventory.ts';
import type { WatchStore } from '../../ports/watches.ts';
import type { CreateSessionRequest } from '../sessions/create-session.ts';

export interface CheckWatchesDeps {
  watches: WatchStore;
  inventory: InventoryReader;
  bus: ConsumerEventBus;
  clock: () => Date;
  defaultDiskGb: number;
  /** creates a session (the ordinary create use case); returns its id */
  createSession: (req: CreateSessionRequest) => Promise<string>;
}

interface WatchCheckReport {
  active: number;
  fired: number;
  created: number;
  expired: number;
  refused: number;
}

export async function checkWatches(deps: CheckWatchesDeps): Promise<WatchCheckReport> {
  const report: WatchCheckReport = { active: 0, fired: 0, created: 0, expired: 0, refused: 0 };
  const watches = await deps.watches.listActive();
  if (watches.length === 0) return report;
  const offers = await deps.inventory.listOffers();
  const now = deps.clock();
  for (const watch of watches) {
    if (!isLive(watch, now)) {
      const { applied } = await deps.watches.apply(watch.id, (w) => (w.status === 'active' ? { status: 'expired' } : undefined));
      if (applied) report.expired += 1;
      continue;
    }
    report.active += 1;
    const best = matchingOffers(watch, offers, deps.defaultDiskGb)[0];
    if (!best) {
      await deps.watches.apply(watch.id, (w) => (w.status === 'active' ? { checks: w.checks + 1 } : undefined));
      continue;
    }
    const matched = { offer_id: best.id, provider: best.provider, gpu_type: best.gpu_type, price_per_hour: best.price_per_hour };
    if (watch.action === 'create') {
      const outcome = await createFor(deps, watch, best.id);
      if ('error' in outcome) {
        report.refused += 1;
        await deps.watches.apply(watch.id, (w) =>
          w.status === 'active' ? { checks: w.checks + 1, last_error: { ...outcome.error, at: now.toISOString() } } : undefined,
        );
        continue;
      }
      const { applied } = await deps.watches.apply(watch.id, (w) =>
        w.status === 'active' ? { status: 'fired', fired_at: now.toISOString(), matched, session_id: outcome.session_id, checks: w.checks + 1 } : undefined,
      );
      if (applied) report.created += 1;
    } else {
      const { applied } = await deps.watches.apply(watch.id, (w) =>
        w.status === 'active' ? { status: 'fired', fired_at: now.toISOString(), matched, checks: w.checks + 1 } : undefined,
      );
      if (!applied) continue;
    }
    report.fired += 1;
    const fired = await deps.watches.get(watch.id);
    await deps.bus.publish([
      {
        id: `watch-${watch.id}`,
        type: 'watch.matched',
        consumer_id: watch.consumer_id,
        ...(fired?.session_id ? { session_id: fired.session_id } : {}),
        at: now.toISOString(),
        detail: { watch: watchView(fired ?? watch), offer: { ...matched, location: best.location, gpu_count: best.gpu_count } },
      },
    ]);
  }
  return report;
}

/**
 * The session a `create` watch asks for. Its idempotency key is the watch's, so a check that crashed after the create
 * and runs again gets the same session, not a second one.
 */
async function createFor(
  deps: CheckWatchesDeps,
  watch: Watch,
  offerId: string,
): Promise<{ session_id: string } | { error: { error_type: string; message: string } }> {
  const s = watch.session!;
  try {
    const id = await deps.createSession({
      consumer_id: watch.consumer_id,
      offer_id: offerId,
      workload_type: s.workload_type,
      reservation_hours: s.reservation_hours,
      auto_retry: s.auto_retry,
      max_retries: s.max_retries,
      retry_scope: s.retry_scope,
      ssh_public_key: s.ssh_public_key,
      ssh_timeout_minutes: s.ssh_timeout_minutes,
      workload: s.workload,
      idempotency_key: `watch-${watch.id}`,
    });
    return { session_id: id };
  } catch (err) {
    // made by an earlier check that crashed before it could record it (on another offer by now)
    if (err instanceof ConflictError && err.errorType === 'idempotency_key_reused') {
      return { session_id: String(err.details['existing_session_id']) };
    }
    if (err instanceof AppError && err.family === 'client') return { error: { error_type: err.errorType, message: err.message } };
    throw err;
  }
}

/** The public view of a watch (its session request without the key itself). */
export function watchView(w: Watch) {
  const { version: _v, session, ...rest } = w;
  return {
    ...rest,
    ...(session ? { session: { ...session, ssh_public_key: undefined, ssh_public_key_set: true } } : {}),
  } satisfies Answer<typeof watchAnswer>;
}

export const newWatchId = () => randomUUID();
