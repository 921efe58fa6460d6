// ChooseRetryOffer: after a failed attempt, continue the same session (same key) on a comparable offer while
// auto-retry allows; otherwise the session will end failed. Idempotent: a retried task returns the attempt it made.
import { comparableOffers, pickSpread } from '../../domain/comparable-offers.ts';
import { attemptOf, currentAttempt } from '../../domain/session.ts';
import { providerSupports } from '../../domain/workload.ts';
import { newAttempt } from './begin-provisioning.ts';
import type { ProvisioningDeps } from './deps.ts';
import type { FailedAttemptState } from './destroy-instance.ts';
import { METRIC } from '../../observability/metric-names.ts';

export interface RetryDecision extends FailedAttemptState {
  retry: boolean;
}

export async function chooseRetryOffer(deps: ProvisioningDeps, input: FailedAttemptState): Promise<RetryDecision> {
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
    candidates: (await deps.inventory.listOffers()).filter((o) => providerSupports(session.workload, o.provider)),
    excludeOffers: [...session.failed_offers, ...session.attempts.map((a) => a.offer_id)],
    excludeHosts: session.failed_hosts,
    diskGb: session.workload?.disk_gb,
  });
  const next = pickSpread(ranked, `${session.id}:${input.attempt}`);
  if (!next) {
    await deps.events.append(session.id, [
      { type: 'retrying', at: deps.clock().toISOString(), attempt: input.attempt, message: 'no comparable offer left to retry on' },
    ]);
    return { ...input, retry: false };
  }

  const now = deps.clock();
  const n = input.attempt + 1;
  const { confidence: _confidence, ...offer } = next;
  const stored = await deps.sessions.mutate(session.id, (s) => {
    if (s.status !== 'provisioning' || attemptOf(s, n)) return undefined;
    return {
      phase: 'creating_instance',
      retry_count: s.retry_count + 1,
      offer_id: offer.id,
      provider: offer.provider,
      gpu_type: offer.gpu_type,
      gpu_count: offer.gpu_count,
      vram_gb: offer.vram_gb,
      price_per_hour: offer.price_per_hour,
      verification: undefined,
      // the failed attempt's endpoints are gone with its instance
      api_verification: undefined,
      api: undefined,
      ssh: undefined,
      host_key_fingerprint: undefined,
      attempts: [...s.attempts, newAttempt(n, offer, now)],
    };
  });
  if (!attemptOf(stored, n)) return { ...input, retry: false };
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
  return { session_id: session.id, attempt: n, failure_type: input.failure_type, retry: true };
}
