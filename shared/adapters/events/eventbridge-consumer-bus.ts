// Consumer events onto the stack's EventBridge bus (at a local endpoint: the local bus). The event's own
// envelope is the detail, so a rule, the webhook dispatcher and any other consumer see the same id to dedupe on.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { TransientError } from '../../domain/errors.ts';
import {
  CONSUMER_EVENT_DETAIL_TYPES,
  CONSUMER_EVENT_SOURCE,
  type ConsumerEvent,
  type ConsumerEventBus,
} from '../../ports/consumer-events.ts';

/** PutEvents takes at most 10 entries */
const BATCH = 10;

class ConsumerEventPublishError extends TransientError {
  override readonly name = 'ConsumerEventPublishError';
  readonly errorType = 'consumer_event_publish_failed';
}

export function createEventBridgeClient(local?: { endpoint: string; region: string }): EventBridgeClient {
  return new EventBridgeClient(local ? { ...local, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {});
}

export class EventBridgeConsumerBus implements ConsumerEventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: ConsumerEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const batch = events.slice(i, i + BATCH);
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((e) => ({
            EventBusName: this.busName,
            Source: CONSUMER_EVENT_SOURCE,
            DetailType: CONSUMER_EVENT_DETAIL_TYPES[e.type],
            Time: new Date(e.at),
            Detail: JSON.stringify(e),
          })),
        }),
      );
      if (out.FailedEntryCount) {
        // ids and codes only: the detail stays out of errors and logs
        const failed = (out.Entries ?? [])
          .map((entry, n) => (entry.ErrorCode ? `${batch[n]?.id}:${entry.ErrorCode}` : undefined))
          .filter(Boolean);
        throw new ConsumerEventPublishError(`${out.FailedEntryCount} consumer event(s) not accepted by the bus`, {
          failed: failed.join(','),
        });
      }
    }
  }
}
