// Asking for a session to end (DELETE, done, expiry, hard max, a vanished instance). Any number of concurrent
// requests converge: the first moves the session to `stopping`, and every request makes sure the one teardown
// execution (named by the session id) is started. Never waits for the provider.
import type { EndReason, Session } from '../../domain/session.ts';
import { beginTeardown, type TeardownFailure } from '../../domain/session-lifecycle.ts';
import type { SessionEventLog } from '../../ports/session-events.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import type { Workflows } from '../../ports/workflows.ts';

export interface RequestTeardownDeps {
  sessions: SessionStore;
  events: SessionEventLog;
  workflows: Workflows;
  clock: () => Date;
}

interface TeardownRequest {
  session: Session;
  /** this request moved the session to stopping (others found it already ending) */
  started: boolean;
}

export async function requestTeardown(
  deps: RequestTeardownDeps,
  /** the session's id, or the session as the caller just read it (saves a read) */
  target: string | Session,
  reason: EndReason,
  failure?: TeardownFailure,
): Promise<TeardownRequest> {
  const now = deps.clock().toISOString();
  const [sessionId, known] = typeof target === 'string' ? [target, undefined] : [target.id, target];
  const { session, applied: started } = await deps.sessions.apply(sessionId, (s) =>
    beginTeardown(s, { reason, at: now, executionArn: deps.workflows.executionArns(s.id).teardown, failure }),
    known,
  );
  if (session.status !== 'stopping') return { session, started: false };
  await Promise.all([
    started
      ? deps.events.append(session.id, [
          { type: 'teardown_requested', at: now, reason, ...(failure ? { error_type: failure.error_type } : {}) },
        ])
      : undefined,
    // also when another request won the transition: it may have died before starting the execution
    deps.workflows.startTeardown(session.id, session.teardown_run ?? 0),
  ]);
  return { session, started };
}
