// ChooseRetryOffer: after a failed attempt, continue the same session (same key) on a comparable offer while
// auto-retry allows; otherwise the session will end failed. Idempotent: a retried task returns the attempt it made.
// A dearer offer grows the session's hold to its price × reserved hours; when the budget refuses that, only offers
// the current hold covers are left.
import { holdFor } from '../../domain/budget-hold.ts';
import { comparableOffers, pickSpread } from '../../domain/comparable-offers.ts';
import { BudgetExceededError } from '../../domain/errors.ts';
import type { Offer } from '../../domain/offer.ts';
import { attemptOf, currentAttempt, type Session } from '../../domain/session.ts';
import { offerSupports } from '../../domain/workload.ts';
import { retryOn } from '../../domain/session-lifecycle.ts';
import type { ProvisioningDeps } from './deps.ts';
import type { FailedAttemptState } from './destroy-instance.ts';
import { METRIC } from '../../observability/metric-names.ts';

/** What the task uses of the provisioning wiring. */
type ChooseRetryOfferDeps = Pick<ProvisioningDeps, 'sessions' | 'events' | 'inventory' | 'metrics' | 'clock' | 'watchBudget'>;

interface RetryDecision extends FailedAttemptState {
  retry: boolean;
}

export async function chooseRetryOffer(deps: ChooseRetryOfferDeps, input: FailedAttemptState): Promise<RetryDecision> {
  const session = await deps.sessions.get(input.session_id);
  if (session?.status !== 'provisioning') return { ...input, retry: false };
  const latest = currentAttempt(session);
  if (latest && latest.n > input.attempt) return { ...input, attempt: latest.n, retry: true };
  if (!session.auto_retry || session.retry_count >= session.max_retries) return { ...input, retry: false };

  const original = attemptOf(session, 1)?.offer ?? latest?.offer;
  if (!original) return { ...input, retry: false };
  const ranked = comparableOffers({
    original,
    scope: session.retry_scope,
    // a host that failed verification for anyone N times today is not tried again
    candidates: (await deps.inventory.listOffers()).filter((o) => offerSupports(session.workload, o) && !o.host_avoided),
    excludeOffers: [...session.failed_offers, ...session.attempts.map((a) => a.offer_id)],
    excludeHosts: session.failed_hosts,
    diskGb: session.workload?.disk_gb,
  });
  const now = deps.clock();
  const n = input.attempt + 1;
  const pickKey = `${session.id}:${input.attempt}`;
  let next = pickSpread(ranked, pickKey);
  let stored: Session | undefined;
  let refused = false;
  if (next) {
    try {
      stored = (await deps.sessions.apply(session.id, moveTo(next, n, now))).session;
    } catch (err) {
      if (!(err instanceof BudgetExceededError)) throw err;
      refused = true;
      if (session.hold_month) await deps.watchBudget?.(session.consumer_id, session.hold_month, { refused: true });
      const covered = (o: Offer) => holdFor(o.price_per_hour, session.reservation_hours) <= (session.hold_usd ?? 0);
      next = pickSpread(ranked.filter(covered), pickKey);
      stored = next ? (await deps.sessions.apply(session.id, moveTo(next, n, now))).session : undefined;
    }
  }
  if (!next || !stored) {
    await deps.events.append(session.id, [
      {
        type: 'retrying',
        at: now.toISOString(),
        attempt: input.attempt,
        message: refused
          ? 'no comparable offer left that the budget allows'
          : 'no comparable offer left to retry on',
      },
    ]);
    return { ...input, retry: false };
  }
  if (!attemptOf(stored, n)) return { ...input, retry: false };
  const offer = attemptOf(stored, n)!.offer;
  await deps.events.append(session.id, [
    {
      type: 'retrying',
      at: now.toISOString(),
      attempt: n,
      offer_id: offer.id,
      provider: offer.provider,
      gpu_type: offer.gpu_type,
      price_per_hour: offer.price_per_hour,
      message: `retrying on another offer after ${input.failure_type}`,
    },
    { type: 'attempt_started', at: now.toISOString(), attempt: n, offer_id: offer.id, provider: offer.provider },
  ]);
  deps.metrics.add(METRIC.ProvisioningRetries, 'Count', 1, { provider: offer.provider, scope: session.retry_scope });
  if (stored.hold_month && (stored.hold_usd ?? 0) > (session.hold_usd ?? 0)) await deps.watchBudget?.(stored.consumer_id, stored.hold_month);
  return { session_id: session.id, attempt: n, failure_type: input.failure_type, retry: true };
}

const moveTo = (next: Offer, n: number, now: Date) => (s: Session) => retryOn(s, next, n, now);
