// The consumer event bus every publisher shares, once per process.
import { LogConsumerEventBus } from '../adapters/local/log-consumer-event-bus.ts';
import { logger } from '../observability/powertools.ts';
import type { ConsumerEventBus } from '../ports/consumer-events.ts';

let bus: ConsumerEventBus | undefined;

export function sharedConsumerEventBus(): ConsumerEventBus {
  bus ??= new LogConsumerEventBus((message, fields) => logger.info(message, fields));
  return bus;
}
