// Asking for a session to end (DELETE, done, expiry, hard max, a vanished instance). Any number of concurrent
// requests converge: the first moves the session to `stopping`, and every request makes sure the one teardown
// execution (named by the session id) is started. Never waits for the provider.
import type { EndReason, FailureType, Session } from '../../domain/session.ts';
import { isActive, retrySuggested } from '../../domain/session.ts';
import type { SessionEventLog } from '../../ports/session-events.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import type { Workflows } from '../../ports/workflows.ts';

export interface RequestTeardownDeps {
  sessions: SessionStore;
  events: SessionEventLog;
  workflows: Workflows;
  clock: () => Date;
}

export interface TeardownRequest {
  session: Session;
  /** this request moved the session to stopping (others found it already ending) */
  started: boolean;
}

/** Why a session that ends this way ends `failed` (e.g. its instance vanished), recorded with the transition. */
export interface TeardownFailure {
  error_type: FailureType;
  error: string;
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
    isActive(s.status) && !beforeItsTime(s, reason, now)
      ? {
          status: 'stopping',
          phase: 'stopping',
          ended_reason: reason,
          teardown_requested_at: now,
          teardown_execution_arn: deps.workflows.executionArns(s.id).teardown,
          ...(failure
            ? { error_type: failure.error_type, error: failure.error, retry_suggested: retrySuggested(failure.error_type) }
            : {}),
        }
      : undefined,
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

/**
 * Expiry and the hard maximum are checked again under the lock: the sweep decides on a listing that may be seconds
 * old, and an extension accepted meanwhile must be honoured.
 */
function beforeItsTime(s: Session, reason: EndReason, now: string): boolean {
  if (reason === 'expired') return Date.parse(now) < Date.parse(s.expires_at);
  if (reason === 'hard_max') return Date.parse(now) < Date.parse(s.hard_max_at);
  return false;
}
