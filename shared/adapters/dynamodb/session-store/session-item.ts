// A session as its table item: the session whole, its key, and the index attributes that make it findable
// (gsi1 by consumer, gsi2 sparse over unfinished sessions and over ended ones whose hold is not settled, gsi3 by time).
import type { Session } from '../../../domain/session.ts';

export const sessionKey = (id: string) => ({ pk: `SESSION#${id}`, sk: 'SESSION' });

const UNFINISHED = new Set(['pending', 'provisioning', 'running', 'stopping']);

const unsettled = (s: Session) => s.hold_month !== undefined && !s.hold_settled_at;

export function toItem(session: Session): Record<string, unknown> {
  return {
    ...session,
    ...sessionKey(session.id),
    gsi1pk: `CONSUMER#${session.consumer_id}`,
    gsi1sk: `${session.created_at}#${session.id}`,
    ...(UNFINISHED.has(session.status)
      ? { gsi2pk: 'UNFINISHED', gsi2sk: `${session.expires_at}#${session.id}` }
      : unsettled(session)
        ? { gsi2pk: 'UNSETTLED', gsi2sk: `${session.stopped_at ?? session.created_at}#${session.id}` }
        : {}),
    gsi3pk: 'SESSIONS',
    gsi3sk: `${session.created_at}#${session.id}`,
  };
}

export function fromItem(item: Record<string, unknown>): Session {
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, gsi3pk: _e, gsi3sk: _f, ...rest } = item;
  return rest as unknown as Session;
}
