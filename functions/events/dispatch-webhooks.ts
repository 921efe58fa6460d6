// The webhook dispatcher: the bus rule's queue (SQS, batches with partial failures) → sign and POST each event to its
// consumer's webhooks. A message whose deliveries must wait is postponed to the earliest one's backoff (its
// visibility) and reported failed, so SQS brings it back then; one that fails past the queue's receive limit (a
// dispatcher bug, storage down) lands in the DLQ.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dispatcherDeps } from '../../shared/composition/webhooks.ts';
import { logger } from '../../shared/observability/powertools.ts';
import { publishMetrics } from '../../shared/observability/publish-metrics.ts';
import { countUnhandled } from '../../shared/observability/unhandled-errors.ts';
import { CONSUMER_EVENT_TYPES, type ConsumerEvent } from '../../shared/ports/consumer-events.ts';
import type { DeliveryQueue } from '../../shared/ports/webhooks.ts';
import { type DispatchDeps, dispatchEvent } from '../../shared/use-cases/webhooks/dispatch-event.ts';

/** The rule delivers the whole EventBridge event; its detail is the consumer event. */
function consumerEventOf(body: string): ConsumerEvent | undefined {
  try {
    const envelope = JSON.parse(body) as { detail?: Partial<ConsumerEvent> };
    const e = envelope.detail;
    if (
      e &&
      typeof e.id === 'string' &&
      typeof e.consumer_id === 'string' &&
      typeof e.at === 'string' &&
      (CONSUMER_EVENT_TYPES as readonly string[]).includes(e.type ?? '')
    ) {
      return e as ConsumerEvent;
    }
  } catch {
    // a body that is no event is dropped below (retrying cannot make it one)
  }
  return undefined;
}

export function makeHandler(deps: () => { deps: DispatchDeps; queue: DeliveryQueue }) {
  return middy<SQSEvent, SQSBatchResponse>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .handler(async (event) => {
      const { deps: d, queue } = deps();
      const failures: SQSBatchResponse['batchItemFailures'] = [];
      await Promise.all(
        event.Records.map(async (record) => {
          const consumerEvent = consumerEventOf(record.body);
          if (!consumerEvent) {
            logger.warn('queue message is not a consumer event: dropped', { message_id: record.messageId });
            return;
          }
          try {
            const result = await dispatchEvent(d, consumerEvent);
            if (result.retryInSeconds !== undefined) {
              await queue.postpone(record.receiptHandle, result.retryInSeconds);
              failures.push({ itemIdentifier: record.messageId });
            }
          } catch (err) {
            logger.error('webhook dispatch failed', { error: err as Error, event_id: consumerEvent.id });
            countUnhandled();
            failures.push({ itemIdentifier: record.messageId });
          }
        }),
      );
      return { batchItemFailures: failures };
    });
}

export const handler = makeHandler(dispatcherDeps);
