// The consumer events a session's changes become. Ids are deterministic (session id + version for a status change,
// session id + attempt for an attempt's failure, refund and retry), so a change published twice — a retried task, a
// redelivered queue message — reaches consumers under the same id and they dedupe on it.
import type { Session, SessionStatus } from '../../domain/session.ts';
import { sessionView } from '../../http/session-view.ts';
import type { ConsumerEvent, ConsumerEventType } from '../../ports/consumer-events.ts';
import type { SessionEvent, SessionEventType } from '../../ports/session-events.ts';

export function statusChanged(session: Session, previous: SessionStatus | undefined, at: string): ConsumerEvent {
  return {
    id: `${session.id}.v${session.version}.status_changed`,
    type: 'session.status_changed',
    consumer_id: session.consumer_id,
    session_id: session.id,
    at,
    detail: { ...sessionView(session), ...(previous ? { previous_status: previous } : {}) },
  };
}

/** timeline events that are also consumer events */
const FROM_TIMELINE: Partial<Record<SessionEventType, ConsumerEventType>> = {
  attempt_failed: 'session.attempt_failed',
  refund_recorded: 'session.refunded',
  retrying: 'session.retrying',
};

/** Whether a timeline event is published: a `retrying` without an offer is the end of retries (a failure follows). */
export function publishedTimelineType(event: SessionEvent): ConsumerEventType | undefined {
  const type = FROM_TIMELINE[event.type];
  if (type === 'session.retrying' && event['offer_id'] === undefined) return undefined;
  return type;
}

export function fromTimeline(session: Session, event: SessionEvent, type: ConsumerEventType): ConsumerEvent {
  // the timeline event carries ids, classes, amounts and messages, never a secret (ports/session-events.ts)
  return {
    id: `${session.id}.${event.type}.${event.attempt ?? event.at}`,
    type,
    consumer_id: session.consumer_id,
    session_id: session.id,
    at: event.at,
    detail: { ...sessionView(session), event },
  };
}
