// RecordRefund: the consumer is not billed for an attempt that never became usable. Also reports the failure where
// operators and inventory see it: the failure metrics (by provider, GPU type and class) and the offer's health.
import { attemptOf } from '../../domain/session.ts';
import { refundAttempt } from '../../domain/session-lifecycle.ts';
import type { OfferFailureType } from '../../ports/inventory.ts';
import type { ProvisioningDeps } from './deps.ts';
import type { FailedAttemptState } from './destroy-instance.ts';
import { METRIC } from '../../observability/metric-names.ts';

/** What the task uses of the provisioning wiring. */
type RecordRefundDeps = Pick<ProvisioningDeps, 'sessions' | 'events' | 'costs' | 'metrics' | 'offerHealth' | 'clock'>;

export async function recordRefund(deps: RecordRefundDeps, input: FailedAttemptState): Promise<FailedAttemptState> {
  const session = await deps.sessions.get(input.session_id);
  const attempt = session && attemptOf(session, input.attempt);
  if (!session || !attempt) return input;
  const now = deps.clock();

  // also an instance found only by its label: its record exists as soon as the compensation found it
  const record = await deps.costs.refund(session.id, attempt.n, input.failure_type);
  if (record && !attempt.failure_recorded) {
    deps.metrics.add(METRIC.Refunds, 'Count', 1, { provider: attempt.provider });
    deps.metrics.add(METRIC.RefundedAmount, 'Count', record.refund_amount ?? 0, { provider: attempt.provider });
    await deps.events.append(session.id, [
      {
        type: 'refund_recorded',
        at: now.toISOString(),
        attempt: attempt.n,
        amount: record.refund_amount ?? 0,
        currency: 'USD',
        reason: input.failure_type,
      },
    ]);
  }

  if (!attempt.failure_recorded) {
    const dims = { provider: attempt.provider, gpu_type: attempt.gpu_type, failure_class: input.failure_type };
    // (SSH verification failures were reported by DestroyInstance, when they happened)
    deps.metrics.add(METRIC.ProvisioningAttemptsFailed, 'Count', 1, dims);
    await deps.offerHealth.recordFailure({
      offer_id: attempt.offer_id,
      provider: attempt.provider,
      gpu_type: attempt.gpu_type,
      host_id: attempt.host_id,
      type: input.failure_type as OfferFailureType,
      reason: attempt.error?.slice(0, 200),
      at: now,
    });
    await deps.sessions.apply(session.id, (s) => refundAttempt(s, attempt));
  }
  return input;
}
