// Consumer events where no bus is wired: one log line per event (type, consumer, session — never the detail, which
// the webhooks would carry).
import type { ConsumerEvent, ConsumerEventBus } from '../../ports/consumer-events.ts';

export class LogConsumerEventBus implements ConsumerEventBus {
  constructor(private readonly log: (message: string, fields: Record<string, unknown>) => void) {}

  async publish(events: ConsumerEvent[]): Promise<void> {
    for (const e of events) this.log('consumer event', { event_id: e.id, type: e.type, consumer_id: e.consumer_id, session_id: e.session_id });
  }
}
