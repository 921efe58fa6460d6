// MarkFailed: the session ends `failed` with the last attempt's error_type; its key is deleted and its offer freed
// for a new session. The execution then ends in a Fail state, so it shows as failed in the console.
import { attemptOf, type FailureType } from '../../domain/session.ts';
import { failProvisioning } from '../../domain/session-lifecycle.ts';
import { settleHold } from '../costs/settle-hold.ts';
import type { ProvisioningDeps } from './deps.ts';
import { METRIC } from '../../observability/metric-names.ts';
import { taskDeathOf } from './ssh-outcome.ts';

/** What the task uses of the provisioning wiring. */
type MarkFailedDeps = Pick<ProvisioningDeps, 'sessions' | 'events' | 'costs' | 'metrics' | 'clock' | 'watchBudget'>;

type CaughtError = { Error?: string; Cause?: string } | undefined;

interface FailedOutcome {
  session_id: string;
  error_type: FailureType;
  error_message: string;
}

export async function markFailed(
  deps: MarkFailedDeps,
  input: {
    session_id: string;
    attempt?: number;
    failure_type?: FailureType;
    /** what the state machine caught on the way here (BeginProvisioning, RecordRefund, ChooseRetryOffer) */
    error?: CaughtError;
    refund_error?: CaughtError;
    retry_error?: CaughtError;
  },
): Promise<FailedOutcome> {
  const now = deps.clock().toISOString();
  const { session, applied: changed } = await deps.sessions.apply(input.session_id, (s) =>
    failProvisioning(s, now, { attempt: input.attempt, failure_type: input.failure_type }),
  );
  const errorType = session.error_type ?? input.failure_type ?? 'provider_error';
  if (changed) {
    await deps.sessions.releaseOfferLock(session);
    await deps.sessions.deleteSecret(session.id);
    deps.metrics.add(METRIC.SessionsFailed, 'Count', 1, { provider: session.provider, error_type: errorType });
    // an ordinary failure is on the dashboard; a task that died on the way here needs a person
    if ([input.error, input.refund_error, input.retry_error].some((e) => taskDeathOf(e?.Error))) {
      deps.metrics.add(METRIC.TaskCrashes, 'Count', 1);
    }
    await deps.events.append(session.id, [
      { type: 'failed', at: now, error_type: errorType, message: session.error, attempts: session.attempts.length },
    ]);
    await settleHold(deps, session);
  }
  return { session_id: session.id, error_type: errorType, error_message: session.error ?? errorType };
}

/** The instance could not be confirmed destroyed: the session fails with destroy_failed and operators are paged. */
export async function markDestroyFailed(
  deps: MarkFailedDeps,
  input: { session_id: string; attempt: number },
): Promise<FailedOutcome> {
  const session = await deps.sessions.get(input.session_id);
  const attempt = session && attemptOf(session, input.attempt);
  deps.metrics.add(METRIC.DestroyFailures, 'Count', 1, { provider: attempt?.provider ?? 'unknown' });
  deps.metrics.add(METRIC.DestroyFailures, 'Count', 1);
  return markFailed(deps, { ...input, failure_type: 'destroy_failed' });
}
