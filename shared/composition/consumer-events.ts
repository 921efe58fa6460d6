// Wiring of the consumer event bus once per process: the stack's EventBridge bus when EVENT_BUS_NAME is set
// (deployed, and the local runtime's bus through EVENTS_ENDPOINT), nothing otherwise (unit tests, tools). Lead
// publishers (expiry warning, price watches) take sharedConsumerEventBus(); the session stores publish through
// sharedEventPublisher(), which never fails its caller.
import { createEventBridgeClient, EventBridgeConsumerBus } from '../adapters/events/eventbridge-consumer-bus.ts';
import { config } from '../config.ts';
import { METRIC } from '../observability/metric-names.ts';
import { powertoolsMetricsSink } from '../observability/metrics-sink.ts';
import { logger } from '../observability/powertools.ts';
import type { ConsumerEventBus } from '../ports/consumer-events.ts';
import { type PublishEvents, safePublisher } from '../use-cases/events/publishing-session-store.ts';
import { localEndpoint } from './endpoints.ts';

const noBus: ConsumerEventBus = { publish: async () => undefined };

let bus: ConsumerEventBus | undefined;
let wired: boolean | undefined;

/** whether this process publishes consumer events at all */
export function consumerEventsWired(): boolean {
  wired ??= config().get('EVENT_BUS_NAME') !== undefined;
  return wired;
}

export function sharedConsumerEventBus(): ConsumerEventBus {
  if (!bus) {
    const name = config().get('EVENT_BUS_NAME');
    const real = name ? new EventBridgeConsumerBus(createEventBridgeClient(localEndpoint('EVENTS_ENDPOINT', 'us-east-1')), name) : noBus;
    bus = {
      publish: async (events) => {
        await real.publish(events);
        if (name && events.length) powertoolsMetricsSink.add(METRIC.ConsumerEventsPublished, 'Count', events.length);
      },
    };
  }
  return bus;
}

let publisher: PublishEvents | undefined;

export function sharedEventPublisher(): PublishEvents {
  publisher ??= safePublisher(sharedConsumerEventBus(), (err, events) => {
    // ids and types only: the detail is the consumer's business
    logger.error('consumer events not published', {
      error: err as Error,
      events: events.map((e) => `${e.type}:${e.id}`),
    });
    powertoolsMetricsSink.add(METRIC.ConsumerEventsFailed, 'Count', events.length);
  });
  return publisher;
}
