// Destroying one orphan, for the reconciler and the ops command alike: look first (a listing may still show an instance
// that is already gone), destroy, confirm, then put it on the session's timeline — and when it was the session's own
// recorded instance (or one it never recorded), close that attempt and its cost.
import { InstanceNotFoundError } from '../../domain/provider-errors.ts';
import { markDestroyed } from '../../domain/session-lifecycle.ts';
import type { CostLedger } from '../../ports/cost-ledger.ts';
import type { ProviderClient } from '../../ports/provider.ts';
import type { SessionEventLog } from '../../ports/session-events.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import { recordFoundCost } from '../provisioning/attempt-cost.ts';
import { confirmDestroyed } from '../provisioning/destroy-instance.ts';
import type { Unowned } from './ownership.ts';

export interface DestroyOrphanDeps {
  sessions: SessionStore;
  events: SessionEventLog;
  costs: CostLedger;
  clock: () => Date;
}

export type OrphanOutcome =
  /** the provider no longer knows it: nothing was done */
  | { kind: 'already_gone' }
  /** it could not be looked at: nothing was done */
  | { kind: 'unreachable'; error: Error }
  /** destroyed, but the provider has not confirmed it gone yet */
  | { kind: 'not_confirmed'; error: Error }
  | { kind: 'destroyed'; at: string };

export async function destroyOrphan(
  deps: DestroyOrphanDeps,
  provider: ProviderClient,
  orphan: Unowned,
  by: 'reconciler' | 'operator',
): Promise<OrphanOutcome> {
  const { instance, label, reason, session, attempt } = orphan;
  try {
    await provider.getInstance(instance.id);
  } catch (err) {
    if (err instanceof InstanceNotFoundError) return { kind: 'already_gone' };
    return { kind: 'unreachable', error: err as Error };
  }
  try {
    await confirmDestroyed(provider, [instance.id]);
  } catch (err) {
    return { kind: 'not_confirmed', error: err as Error };
  }
  const at = deps.clock().toISOString();
  if (!session) return { kind: 'destroyed', at };
  if (attempt && !attempt.instance_id) {
    // made for the attempt but never recorded (a create answered after its session had ended): it cost money all the
    // same, and nobody could use it
    await recordFoundCost(deps, session, attempt, [{ id: instance.id, created_at: instance.created_at }]);
    await deps.costs.close(session.id, attempt.n, at);
    await deps.costs.refund(session.id, attempt.n, 'orphan');
  } else if (attempt?.instance_id === instance.id && !attempt.destroyed_at) {
    // the session's own instance, left behind (e.g. by a teardown that gave up): close its books too — the cost first,
    // as nothing comes back to an ended session once its instance is no longer listed
    await deps.costs.close(session.id, attempt.n, at);
    await deps.sessions.apply(session.id, (s) => markDestroyed(s, attempt.n, at));
  }
  await deps.events.append(session.id, [
    {
      type: 'reconciled',
      at,
      attempt: label.attempt,
      kind: 'orphan_destroyed',
      instance_id: instance.id,
      reason,
      by,
      confirmed: true,
      message: `the ${by} destroyed instance ${instance.id}, which no active session owned (${reason})`,
    },
  ]);
  return { kind: 'destroyed', at };
}
