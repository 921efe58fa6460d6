// One consumer event to every webhook of its consumer that subscribed to its type: sign, POST, record. Each webhook's
// delivery is recorded (status, attempts, last status code, next attempt), so a redelivered event skips what was
// delivered and retries only what is due; what is still waiting tells the queue when to bring the event back. After
// a day of failures a delivery is dead-lettered: recorded and visible, never retried.
import { nextAttemptDelaySeconds } from '../../domain/delivery-backoff.ts';
import { SIGNATURE_HEADER, signatureHeader } from '../../domain/webhook-signature.ts';
import { METRIC } from '../../observability/metric-names.ts';
import type { ConsumerEvent } from '../../ports/consumer-events.ts';
import type { MetricsSink } from '../../ports/metrics.ts';
import type { SecretCipher } from '../../ports/secret-cipher.ts';
import type { Delivery, DeliveryLog, PostOutcome, Webhook, WebhookSender, WebhookStore } from '../../ports/webhooks.ts';
import { secretContext } from './manage-webhooks.ts';

export interface DispatchDeps {
  webhooks: WebhookStore;
  deliveries: DeliveryLog;
  cipher: SecretCipher;
  sender: WebhookSender;
  metrics: MetricsSink;
  clock: () => Date;
  /** 1 deployed; the local runtime may shrink the backoff so retries show within a test */
  backoffScale: number;
  timeoutMs: number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

interface DispatchResult {
  /** seconds until the earliest delivery still waiting is due; undefined when none waits */
  retryInSeconds?: number;
  delivered: number;
  deadLettered: number;
}

export async function dispatchEvent(deps: DispatchDeps, event: ConsumerEvent): Promise<DispatchResult> {
  const subscribed = (await deps.webhooks.list(event.consumer_id)).filter((w) => w.events.includes(event.type));
  const outcomes = await Promise.all(subscribed.map((w) => deliverTo(deps, w, event)));
  const waits = outcomes.flatMap((o) => (o.waitSeconds === undefined ? [] : [o.waitSeconds]));
  return {
    ...(waits.length ? { retryInSeconds: Math.min(...waits) } : {}),
    delivered: outcomes.filter((o) => o.status === 'delivered').length,
    deadLettered: outcomes.filter((o) => o.status === 'dead_lettered').length,
  };
}

async function deliverTo(
  deps: DispatchDeps,
  webhook: Webhook,
  event: ConsumerEvent,
): Promise<{ status: Delivery['status']; waitSeconds?: number }> {
  const known = await deps.deliveries.get(webhook.id, event.at, event.id);
  if (known?.status === 'delivered' || known?.status === 'dead_lettered') return { status: known.status };
  const now = deps.clock();
  if (known?.next_attempt_at && Date.parse(known.next_attempt_at) > now.getTime()) {
    // brought back early (another webhook's schedule): not due yet
    return { status: known.status, waitSeconds: (Date.parse(known.next_attempt_at) - now.getTime()) / 1000 };
  }
  const delivery: Delivery = known ?? {
    webhook_id: webhook.id,
    event_id: event.id,
    event_type: event.type,
    event_at: event.at,
    ...(event.session_id ? { session_id: event.session_id } : {}),
    status: 'pending',
    attempts: 0,
  };
  const secret = await deps.cipher.decrypt(webhook.secret_ciphertext, secretContext(webhook.id));
  const body = JSON.stringify(event);
  const timestamp = Math.floor(now.getTime() / 1000);
  const outcome = await deps.sender.post({
    url: webhook.url,
    body,
    timeoutMs: deps.timeoutMs,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GpuShopper-Webhooks/1',
      [SIGNATURE_HEADER]: signatureHeader(secret, timestamp, body),
      'GpuShopper-Event-Id': event.id,
      'GpuShopper-Event-Type': event.type,
    },
  });
  const first = delivery.first_attempt_at ?? now.toISOString();
  const tried: Delivery = {
    ...delivery,
    attempts: delivery.attempts + 1,
    first_attempt_at: first,
    last_attempt_at: now.toISOString(),
    ...(outcome.kind === 'answered' ? { last_status_code: outcome.status } : {}),
  };
  delete tried.next_attempt_at;
  delete tried.last_error;
  const next = settle(deps, tried, outcome, new Date(first), now);
  await deps.deliveries.put(next.delivery);
  deps.metrics.add(METRIC.WebhookDeliveries, 'Count', 1, { outcome: outcome.kind === 'refused' ? 'refused' : next.delivery.status });
  if (next.delivery.status === 'delivered') {
    deps.metrics.add(METRIC.WebhookDeliveryLatency, 'Milliseconds', Math.max(0, now.getTime() - Date.parse(event.at)));
  }
  // the webhook and event ids, the outcome class: never the URL's query, the body or the secret
  deps.log?.('webhook delivery', {
    webhook_id: webhook.id,
    event_id: event.id,
    event_type: event.type,
    status: next.delivery.status,
    attempts: next.delivery.attempts,
    ...(next.delivery.last_status_code !== undefined ? { status_code: next.delivery.last_status_code } : {}),
    ...(next.delivery.last_error ? { error: next.delivery.last_error } : {}),
  });
  return { status: next.delivery.status, ...(next.waitSeconds !== undefined ? { waitSeconds: next.waitSeconds } : {}) };
}

function settle(
  deps: DispatchDeps,
  tried: Delivery,
  outcome: PostOutcome,
  first: Date,
  now: Date,
): { delivery: Delivery; waitSeconds?: number } {
  if (outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300) {
    return { delivery: { ...tried, status: 'delivered', delivered_at: now.toISOString() } };
  }
  const error =
    outcome.kind === 'answered' ? (outcome.status >= 300 && outcome.status < 400 ? `redirect_not_followed` : `http_${outcome.status}`) : outcome.reason;
  // an address the guard refuses stays refused: retrying would only knock on it again
  const delay = outcome.kind === 'refused' ? undefined : nextAttemptDelaySeconds(tried.attempts, first, now, { scale: deps.backoffScale });
  if (delay === undefined) {
    return { delivery: { ...tried, status: 'dead_lettered', last_error: error, dead_lettered_at: now.toISOString() } };
  }
  return {
    delivery: { ...tried, status: 'retrying', last_error: error, next_attempt_at: new Date(now.getTime() + delay * 1000).toISOString() },
    waitSeconds: delay,
  };
}
