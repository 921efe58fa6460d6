// on_exceeded: stop — a consumer whose month is committed past its limit has its active sessions ended (their
// instances destroyed by the usual teardown, their holds settled at what they really cost).
import { ACTIVE_STATUSES } from '../../domain/session.ts';
import { type RequestTeardownDeps, requestTeardown } from '../teardown/request-teardown.ts';

export async function stopOverBudget(deps: RequestTeardownDeps, consumerId: string): Promise<number> {
  let stopped = 0;
  for (const status of ACTIVE_STATUSES) {
    let cursor: string | undefined;
    do {
      const page = await deps.sessions.list({ consumer_id: consumerId, status, limit: 100, cursor });
      for (const session of page.sessions) {
        if ((await requestTeardown(deps, session, 'budget_exceeded')).started) stopped += 1;
      }
      cursor = page.next_cursor;
    } while (cursor);
  }
  return stopped;
}
