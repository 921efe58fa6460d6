// A SessionEventLog that publishes the timeline events consumers subscribe to (a failed attempt, its refund, a
// retry on another offer) after they were appended, with the session's public view as it is then.
import type { SessionEvent, SessionEventLog } from '../../ports/session-events.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import { fromTimeline, publishedTimelineType } from './session-consumer-events.ts';
import type { PublishEvents } from './publishing-session-store.ts';

export class PublishingEventLog implements SessionEventLog {
  constructor(
    private readonly inner: SessionEventLog,
    private readonly sessions: Pick<SessionStore, 'get'>,
    private readonly publish: PublishEvents,
  ) {}

  async append(sessionId: string, events: SessionEvent[]): Promise<void> {
    await this.inner.append(sessionId, events);
    const published = events.flatMap((e) => {
      const type = publishedTimelineType(e);
      return type ? [{ e, type }] : [];
    });
    if (published.length === 0) return;
    const session = await this.sessions.get(sessionId).catch(() => undefined);
    if (!session) return;
    await this.publish(published.map(({ e, type }) => fromTimeline(session, e, type)));
  }

  list(sessionId: string): Promise<SessionEvent[]> {
    return this.inner.list(sessionId);
  }
}
