// The teardown execution's steps: stop provisioning, destroy every instance the session owns and confirm each is
// gone (retried with backoff for as long as it takes), then close the costs and the session.
import { DestroyNotConfirmedError } from '../../domain/provisioning-errors.ts';
import type { Session } from '../../domain/session.ts';
import { close, failTeardown, markDestroyed } from '../../domain/session-lifecycle.ts';
import { recordFoundCost } from '../provisioning/attempt-cost.ts';
import { confirmDestroyed, instancesOf } from '../provisioning/destroy-instance.ts';
import { settleHold } from '../costs/settle-hold.ts';
import type { TeardownDeps } from './deps.ts';
import { METRIC } from '../../observability/metric-names.ts';

interface TeardownState {
  session_id: string;
}

export async function stopProvisioning(deps: TeardownDeps, input: TeardownState): Promise<TeardownState> {
  const session = await deps.sessions.get(input.session_id);
  if (!session) return input;
  await deps.workflows.stopProvisioning(session.id, `session ${session.ended_reason ?? 'ended'}`);
  await deps.events.append(session.id, [
    { type: 'teardown_started', at: deps.clock().toISOString(), reason: session.ended_reason },
  ]);
  return input;
}

export async function destroySessionInstances(deps: TeardownDeps, input: TeardownState): Promise<TeardownState> {
  const session = await deps.sessions.get(input.session_id);
  if (!session) return input;
  const pending: string[] = [];
  for (const attempt of session.attempts) {
    if (attempt.destroyed_at) {
      // destroyed by another step (the compensation, a create that found its session ended), which this teardown may
      // have stopped — or a restart interrupted — before it closed the books
      await deps.costs.close(session.id, attempt.n, attempt.destroyed_at);
      if (attempt.outcome !== 'running') await deps.costs.refund(session.id, attempt.n, attempt.error_type ?? 'ended_before_running');
      continue;
    }
    const sinceCreate = attempt.create_started_at ? deps.clock().getTime() - Date.parse(attempt.create_started_at) : 0;
    const provider = await deps.providers.get(attempt.provider);
    const found = await instancesOf(deps, provider, session.id, attempt);
    const ids = found.map((i) => i.id);
    if (ids.length === 0 && attempt.create_started_at && !attempt.instance_id && sinceCreate < deps.createListLagMs) {
      // a create may still be in flight (or not yet listed): wait for it rather than declare the session clean
      pending.push(`attempt ${attempt.n}: create in flight`);
      continue;
    }
    await recordFoundCost(deps, session, attempt, found);
    try {
      await confirmDestroyed(provider, ids);
    } catch (err) {
      if (!(err instanceof DestroyNotConfirmedError)) throw err;
      pending.push(err.message);
      continue;
    }
    const at = deps.clock().toISOString();
    await deps.sessions.apply(session.id, (s) => markDestroyed(s, attempt.n, at));
    // also an instance found only by its label (recorded just above, or by an earlier try of this task)
    await deps.costs.close(session.id, attempt.n, at);
    // ended before it was ever usable: the consumer pays nothing for it
    if (attempt.outcome !== 'running') await deps.costs.refund(session.id, attempt.n, 'ended_before_running');
    if (ids.length > 0) {
      deps.metrics.add(METRIC.InstancesDestroyed, 'Count', ids.length, { provider: attempt.provider, reason: session.ended_reason ?? 'ended' });
      await deps.events.append(session.id, [
        { type: 'instance_destroyed', at, attempt: attempt.n, instance_ids: ids, confirmed: true },
      ]);
    }
  }
  if (pending.length > 0) {
    const waitingSeconds = ageSeconds(session, deps.clock());
    // the alarm on this metric pages when a teardown has been waiting on a provider too long
    deps.metrics.add(METRIC.TeardownPendingSeconds, 'Seconds', waitingSeconds);
    await deps.events.append(session.id, [
      { type: 'destroy_retrying', at: deps.clock().toISOString(), message: pending.join('; ').slice(0, 500) },
    ]);
    throw new DestroyNotConfirmedError(`teardown of ${session.id} waits on: ${pending.join('; ')}`);
  }
  return input;
}

export async function closeSession(deps: TeardownDeps, input: TeardownState): Promise<TeardownState & { status: string }> {
  const now = deps.clock();
  const { session, applied: closed } = await deps.sessions.apply(input.session_id, (s) => close(s, now.toISOString()));
  if (closed) {
    await deps.sessions.releaseOfferLock(session);
    await deps.sessions.deleteSecret(session.id);
    if (session.teardown_requested_at) {
      deps.metrics.add(METRIC.TeardownDuration, 'Milliseconds', now.getTime() - Date.parse(session.teardown_requested_at), {
        provider: session.provider,
      });
    }
    deps.metrics.add(METRIC.SessionsEnded, 'Count', 1, { reason: session.ended_reason ?? 'unknown' });
    await deps.events.append(session.id, [{ type: 'stopped', at: now.toISOString(), reason: session.ended_reason }]);
    await settleHold(deps, session);
  }
  return { session_id: session.id, status: session.status };
}

/** The instances could not be confirmed destroyed for hours: end the session failed and page an operator. */
export async function markTeardownFailed(deps: TeardownDeps, input: TeardownState): Promise<TeardownState> {
  const now = deps.clock().toISOString();
  const { session } = await deps.sessions.apply(input.session_id, (s) => failTeardown(s, now));
  deps.metrics.add(METRIC.DestroyFailures, 'Count', 1, { provider: session.provider });
  deps.metrics.add(METRIC.DestroyFailures, 'Count', 1);
  await deps.sessions.releaseOfferLock(session);
  await deps.sessions.deleteSecret(session.id);
  await deps.events.append(session.id, [{ type: 'failed', at: now, error_type: 'destroy_failed', message: session.error }]);
  // held while the instance may still bill; the sweep settles it once the reconciler confirmed it gone
  await settleHold(deps, session);
  return input;
}

function ageSeconds(session: Session, now: Date): number {
  return Math.round((now.getTime() - Date.parse(session.teardown_requested_at ?? session.created_at)) / 1000);
}
