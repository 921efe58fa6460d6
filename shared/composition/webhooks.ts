// Wiring of the webhook routes and the delivery dispatcher, once per process: the table, the secret cipher (KMS
// deployed, AES locally), the SSRF-guarded sender, and the queue the dispatcher postpones messages on.
import { DynamoDeliveryLog } from '../adapters/dynamodb/delivery-log.ts';
import { DynamoWebhookStore } from '../adapters/dynamodb/webhook-store.ts';
import { createSqsClient, SqsDeliveryQueue } from '../adapters/events/sqs-delivery-queue.ts';
import { HttpWebhookSender } from '../adapters/http/webhook-sender.ts';
import { config, isDeployed } from '../config.ts';
import { powertoolsMetricsSink } from '../observability/metrics-sink.ts';
import { logger } from '../observability/powertools.ts';
import type { DeliveryQueue } from '../ports/webhooks.ts';
import type { DispatchDeps } from '../use-cases/webhooks/dispatch-event.ts';
import type { WebhookDeps } from '../use-cases/webhooks/manage-webhooks.ts';
import { localEndpoint } from './endpoints.ts';
import { secretCipherFromEnv } from './secret-cipher.ts';
import { sharedStores, systemClock } from './shared-clients.ts';

/** Loopback receivers and http:// are for the local runtime only; a deployed function never allows them. */
const webhooksLocal = () => !isDeployed() && config().get('WEBHOOK_ALLOW_LOOPBACK');

function stores() {
  const { db, tableName } = sharedStores();
  return { webhooks: new DynamoWebhookStore(db, tableName), deliveries: new DynamoDeliveryLog(db, tableName) };
}

let api: WebhookDeps | undefined;

export function webhookApiDeps(): WebhookDeps {
  api ??= { ...stores(), cipher: secretCipherFromEnv(), clock: systemClock, local: webhooksLocal() };
  return api;
}

let dispatch: { deps: DispatchDeps; queue: DeliveryQueue } | undefined;

export function dispatcherDeps(): { deps: DispatchDeps; queue: DeliveryQueue } {
  dispatch ??= {
    deps: {
      ...stores(),
      cipher: secretCipherFromEnv(),
      sender: new HttpWebhookSender({ allowLoopback: webhooksLocal() }),
      metrics: powertoolsMetricsSink,
      clock: systemClock,
      // local-only, like RESERVATION_HOUR_SECONDS: a deployed dispatcher always backs off over the full day
      backoffScale: isDeployed() ? 1 : config().get('WEBHOOK_BACKOFF_SCALE'),
      timeoutMs: config().get('WEBHOOK_TIMEOUT_MS'),
      log: (message, fields) => logger.info(message, fields),
    },
    queue: new SqsDeliveryQueue(createSqsClient(localEndpoint('SQS_ENDPOINT', 'us-east-1')), config().require('DELIVERY_QUEUE_URL')),
  };
  return dispatch;
}
