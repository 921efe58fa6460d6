// Extending a session moves expires_at, never past created_at + the hard maximum, and grows its hold by the added
// hours at its price: past the consumer's budget the store refuses it (402) and nothing changes.
import { BudgetExceededError } from '../../domain/errors.ts';
import { HOUR_MS, type Session } from '../../domain/session.ts';
import { extend } from '../../domain/session-lifecycle.ts';
import type { SessionEventLog } from '../../ports/session-events.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import type { BudgetWatch } from '../costs/budget-watch.ts';

export async function extendSession(
  deps: {
    sessions: SessionStore;
    events: SessionEventLog;
    clock: () => Date;
    /** the length of a reserved hour in ms (see CreateSessionDeps) */
    reservationHourMs?: number;
    watchBudget?: BudgetWatch;
  },
  session: Session,
  additionalHours: number,
): Promise<Session> {
  const now = deps.clock().toISOString();
  const hourMs = deps.reservationHourMs ?? HOUR_MS;
  let refusal: Error | undefined;
  const { session: stored } = await deps.sessions.apply(session.id, (s) => {
    const change = extend(s, additionalHours, hourMs);
    refusal = change instanceof Error ? change : undefined;
    return change instanceof Error ? undefined : change;
  }, session).catch(async (err: unknown) => {
    if (err instanceof BudgetExceededError && session.hold_month) {
      await deps.watchBudget?.(session.consumer_id, session.hold_month, { refused: true });
    }
    throw err;
  });
  if (refusal) throw refusal;
  if (stored.hold_month) await deps.watchBudget?.(stored.consumer_id, stored.hold_month);
  await deps.events.append(stored.id, [
    { type: 'extended', at: now, additional_hours: additionalHours, expires_at: stored.expires_at },
  ]);
  return stored;
}
