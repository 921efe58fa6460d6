// Extending a session moves expires_at, never past created_at + the hard maximum, and grows its hold by the added
// hours at its price: past the consumer's budget the store refuses it (402) and nothing changes.
import { holdFor } from '../../domain/budget-hold.ts';
import { round6 } from '../../domain/costs.ts';
import { BudgetExceededError, ConflictError, ValidationError } from '../../domain/errors.ts';
import { HOUR_MS, isActive, type Session } from '../../domain/session.ts';
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
  const stored = await deps.sessions.mutate(session.id, (s) => {
    refusal = undefined;
    if (!isActive(s.status)) {
      refusal = new ConflictError(`session ${s.id} is ${s.status} and cannot be extended`, { status: s.status }, 'invalid_state');
      return undefined;
    }
    const next = Date.parse(s.expires_at) + additionalHours * hourMs;
    if (next > Date.parse(s.hard_max_at)) {
      const hoursLeft = Math.max(0, Math.floor((Date.parse(s.hard_max_at) - Date.parse(s.expires_at)) / hourMs));
      refusal = new ValidationError(
        `extending by ${additionalHours} h would pass the hard maximum at ${s.hard_max_at}`,
        { field: 'additional_hours', hard_max_at: s.hard_max_at, max_additional_hours: hoursLeft },
        'hard_max_exceeded',
      );
      return undefined;
    }
    return {
      expires_at: new Date(next).toISOString(),
      reservation_hours: s.reservation_hours + additionalHours,
      ...(s.hold_month && !s.hold_settled_at
        ? { hold_usd: round6((s.hold_usd ?? 0) + holdFor(s.price_per_hour, additionalHours)) }
        : {}),
    };
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
