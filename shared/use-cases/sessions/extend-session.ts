// Extending a session moves expires_at, never past created_at + the hard maximum.
import { ConflictError, ValidationError } from '../../domain/errors.ts';
import { HOUR_MS, isActive, type Session } from '../../domain/session.ts';
import type { SessionEventLog } from '../../ports/session-events.ts';
import type { SessionStore } from '../../ports/session-store.ts';

export async function extendSession(
  deps: {
    sessions: SessionStore;
    events: SessionEventLog;
    clock: () => Date;
    /** the length of a reserved hour in ms (see CreateSessionDeps) */
    reservationHourMs?: number;
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
    return { expires_at: new Date(next).toISOString(), reservation_hours: s.reservation_hours + additionalHours };
  }, session);
  if (refusal) throw refusal;
  await deps.events.append(stored.id, [
    { type: 'extended', at: now, additional_hours: additionalHours, expires_at: stored.expires_at },
  ]);
  return stored;
}
