// A SessionStore that publishes every status change it writes, once per winning write: created (pending) and every
// apply whose write changed `status`. Publishing follows the write and never fails it: the session is the
// truth, and a lost event is logged and counted (ConsumerEventsFailed) rather than undoing a state-machine step.
import type { Session, SessionStatus } from '../../domain/session.ts';
import type { ConsumerEvent, ConsumerEventBus } from '../../ports/consumer-events.ts';
import type {
  CreateOutcome,
  NewSession,
  SessionMutation,
  SessionQuery,
  SessionSecret,
  SessionStore,
} from '../../ports/session-store.ts';
import { statusChanged } from './session-consumer-events.ts';

export type PublishEvents = (events: ConsumerEvent[]) => Promise<void>;

/** publish, and swallow (report) a failure: callers of the store must not fail after their write succeeded */
export function safePublisher(bus: ConsumerEventBus, onError: (err: unknown, events: ConsumerEvent[]) => void): PublishEvents {
  return async (events) => {
    if (events.length === 0) return;
    try {
      await bus.publish(events);
    } catch (err) {
      onError(err, events);
    }
  };
}

export class PublishingSessionStore implements SessionStore {
  constructor(
    private readonly inner: SessionStore,
    private readonly publish: PublishEvents,
    private readonly clock: () => Date,
  ) {}

  get(id: string): Promise<Session | undefined> {
    return this.inner.get(id);
  }

  async create(input: NewSession): Promise<CreateOutcome> {
    const outcome = await this.inner.create(input);
    if (outcome.kind === 'created') await this.publish([statusChanged(outcome.session, undefined, outcome.session.created_at)]);
    return outcome;
  }

  async apply(id: string, mutation: SessionMutation, known?: Session): Promise<{ session: Session; applied: boolean }> {
    // the mutation runs once per optimistic-lock attempt: the last session it saw is the one the winning write replaced
    let before: SessionStatus | undefined;
    const result = await this.inner.apply(
      id,
      (current) => {
        before = current.status;
        return mutation(current);
      },
      known,
    );
    if (result.applied && before !== undefined && before !== result.session.status) {
      await this.publish([statusChanged(result.session, before, this.clock().toISOString())]);
    }
    return result;
  }

  list(query: SessionQuery): Promise<{ sessions: Session[]; next_cursor?: string }> {
    return this.inner.list(query);
  }

  listUnfinished(): Promise<Session[]> {
    return this.inner.listUnfinished();
  }

  listUnsettled(): Promise<Session[]> {
    return this.inner.listUnsettled();
  }

  releaseOfferLock(session: Session): Promise<void> {
    return this.inner.releaseOfferLock(session);
  }

  getSecret(sessionId: string): Promise<SessionSecret | undefined> {
    return this.inner.getSecret(sessionId);
  }

  deleteSecret(sessionId: string): Promise<void> {
    return this.inner.deleteSecret(sessionId);
  }
}
