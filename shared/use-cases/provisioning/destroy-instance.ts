// DestroyInstance (saga compensation): destroy the failed attempt's instance — also one a crashed create made,
// found by its label — and confirm with the provider that it is gone. Until it is confirmed this throws
// DestroyNotConfirmedError, which the state machine retries with backoff for as long as it takes.
import { formatLabel } from '../../domain/instance.ts';
import { InstanceNotFoundError } from '../../domain/provider-errors.ts';
import { DestroyNotConfirmedError } from '../../domain/provisioning-errors.ts';
import { attemptOf, type Attempt, type FailureType } from '../../domain/session.ts';
import { failAttempt, markDestroyed } from '../../domain/session-lifecycle.ts';
import type { ProviderClient } from '../../ports/provider.ts';
import { type FoundInstance, recordFoundCost } from './attempt-cost.ts';
import type { ProvisioningDeps, TaskState } from './deps.ts';
import { failureOf } from './failure.ts';
import { reportSshFailed, taskDeathOf } from './ssh-outcome.ts';
import { METRIC } from '../../observability/metric-names.ts';

/** What the task uses of the provisioning wiring. */
type DestroyInstanceDeps = Pick<ProvisioningDeps, 'sessions' | 'events' | 'providers' | 'costs' | 'metrics' | 'clock' | 'deploymentId'>;

export interface FailedAttemptState extends TaskState {
  failure_type: FailureType;
}

export async function destroyFailedAttempt(
  deps: DestroyInstanceDeps,
  input: TaskState & { error?: { Error?: string; Cause?: string } },
): Promise<FailedAttemptState> {
  const failure = failureOf(input.error);
  const now = deps.clock().toISOString();
  let failedVerifyingSsh = false;
  const { session, applied: newlyFailed } = await deps.sessions.apply(input.session_id, (s) => {
    const change = failAttempt(s, input.attempt, failure);
    if (change) failedVerifyingSsh = s.phase === 'verifying_ssh';
    return change;
  });
  const attempt = attemptOf(session, input.attempt);
  if (!attempt) return { ...input, failure_type: failure.type };
  const failureType = attempt.error_type ?? failure.type;
  const death = taskDeathOf(input.error?.Error);
  if (newlyFailed) {
    // reported before the destroy, which may take hours or never be confirmed: this is when the attempt failed
    if (failedVerifyingSsh) reportSshFailed(deps.metrics, attempt, death ?? failureType);
    if (death) deps.metrics.add(METRIC.TaskCrashes, 'Count', 1);
    await deps.events.append(session.id, [
      { type: 'attempt_failed', at: now, attempt: attempt.n, error_type: failureType, message: attempt.error },
    ]);
  }
  if (attempt.destroyed_at) {
    // destroyed already (a retried task, or a step that died before closing the books)
    await deps.costs.close(session.id, attempt.n, attempt.destroyed_at);
    return { session_id: session.id, attempt: attempt.n, failure_type: failureType };
  }

  const provider = await deps.providers.get(attempt.provider);
  const found = await instancesOf(deps, provider, session.id, attempt);
  await recordFoundCost(deps, session, attempt, found);
  const ids = found.map((i) => i.id);
  await confirmDestroyed(provider, ids);

  const destroyedAt = deps.clock().toISOString();
  await deps.sessions.apply(session.id, (s) => markDestroyed(s, attempt.n, destroyedAt));
  await deps.costs.close(session.id, attempt.n, destroyedAt);
  if (ids.length > 0) {
    deps.metrics.add(METRIC.InstancesDestroyed, 'Count', ids.length, { provider: attempt.provider, reason: 'provisioning_failed' });
    await deps.events.append(session.id, [
      { type: 'instance_destroyed', at: destroyedAt, attempt: attempt.n, instance_ids: ids, confirmed: true },
    ]);
  }
  return { session_id: session.id, attempt: attempt.n, failure_type: failureType };
}

/** The attempt's recorded instance, or — when a create may have happened without being recorded — any by label. */
export async function instancesOf(
  deps: Pick<ProvisioningDeps, 'deploymentId'>,
  provider: ProviderClient,
  sessionId: string,
  attempt: Attempt,
): Promise<FoundInstance[]> {
  if (attempt.instance_id) return [{ id: attempt.instance_id, created_at: attempt.instance_created_at }];
  if (!attempt.create_started_at) return [];
  const label = formatLabel({ deploymentId: deps.deploymentId, sessionId, attempt: attempt.n });
  return (await provider.listInstances()).filter((i) => i.label === label).map((i) => ({ id: i.id, created_at: i.created_at }));
}

/** Destroy each instance, then confirm each is unknown to the provider; throws until all are confirmed gone. */
export async function confirmDestroyed(provider: ProviderClient, ids: string[]): Promise<void> {
  const remaining: string[] = [];
  for (const id of ids) {
    await provider.destroyInstance(id);
    try {
      const still = await provider.getInstance(id);
      remaining.push(`${id} (${still.provider_status})`);
    } catch (err) {
      if (!(err instanceof InstanceNotFoundError)) throw err;
    }
  }
  if (remaining.length > 0) {
    throw new DestroyNotConfirmedError(`not yet confirmed gone at ${provider.name}: ${remaining.join(', ')}`);
  }
}
