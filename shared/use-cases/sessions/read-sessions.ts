// Reading sessions as a caller may: a consumer's key sees only its own consumer's sessions (others answer 404, as
// if they did not exist); admins and the keyless local runtime see all.
import { NotFoundError, ForbiddenError } from '../../domain/errors.ts';
import type { Session } from '../../domain/session.ts';
import type { Caller } from '../../http/request.ts';
import { SESSION_ID } from '../../http/schemas/sessions.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import { sanitizeEcho } from '../../observability/redact.ts';

/** Whether the caller may see a resource of this consumer: its own consumer's key, an admin, or no key (local). */
export const callerMaySee = (caller: Caller, consumerId: string): boolean =>
  !caller.consumerId || caller.admin || caller.consumerId === consumerId;

export async function sessionForCaller(store: SessionStore, id: string, caller: Caller): Promise<Session> {
  const session = SESSION_ID.test(id) ? await store.get(id) : undefined;
  if (!session || !callerMaySee(caller, session.consumer_id)) {
    const shown = sanitizeEcho(id, 64);
    throw new NotFoundError(`session ${shown} not found`, { session_id: shown });
  }
  return session;
}

/** The consumer a request acts for: the key's own, filled in when omitted, refused when another is named. */
export function consumerForCaller(requested: string | undefined, caller: Caller): string | undefined {
  if (!caller.consumerId || caller.admin) return requested;
  if (requested !== undefined && requested !== caller.consumerId) {
    throw new ForbiddenError('consumer_id does not match the API key', { field: 'consumer_id' });
  }
  return caller.consumerId;
}
