// Consumers' webhooks and the record of every delivery to them (issue 18). The signing secret is stored only as
// SecretCipher ciphertext bound to the webhook id; it is shown once, in the answer that registered the webhook.
import type { ConsumerEventType } from './consumer-events.ts';

export interface Webhook {
  id: string;
  consumer_id: string;
  url: string;
  events: ConsumerEventType[];
  description?: string;
  /** SecretCipher ciphertext of the signing secret, context {webhook_id} */
  secret_ciphertext: string;
  created_at: string;
}

type DeliveryStatus = 'pending' | 'retrying' | 'delivered' | 'dead_lettered';

export interface Delivery {
  webhook_id: string;
  event_id: string;
  event_type: ConsumerEventType;
  /** when the event happened: with the event id it keys the delivery (a redelivered event finds its record) */
  event_at: string;
  session_id?: string;
  status: DeliveryStatus;
  attempts: number;
  first_attempt_at?: string;
  last_attempt_at?: string;
  last_status_code?: number;
  /** a short class of what went wrong (timeout, connection_refused, address_not_allowed, http_500 …), never a body */
  last_error?: string;
  next_attempt_at?: string;
  delivered_at?: string;
  dead_lettered_at?: string;
}

export interface WebhookStore {
  create(webhook: Webhook): Promise<void>;
  get(id: string): Promise<Webhook | undefined>;
  /** a consumer's webhooks, or every webhook when consumerId is undefined (admin) */
  list(consumerId?: string): Promise<Webhook[]>;
  delete(id: string): Promise<void>;
}

export interface DeliveryLog {
  get(webhookId: string, eventAt: string, eventId: string): Promise<Delivery | undefined>;
  put(delivery: Delivery): Promise<void>;
  /** newest first */
  list(webhookId: string, limit: number): Promise<Delivery[]>;
}

export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export type PostOutcome =
  /** the receiver answered (any status; 3xx is not followed) */
  | { kind: 'answered'; status: number }
  /** never sent: the URL resolved to an address deliveries may not reach */
  | { kind: 'refused'; reason: string }
  /** no answer: DNS, connection, TLS, timeout */
  | { kind: 'failed'; reason: string };

/** The one code that makes webhook HTTP requests, behind the SSRF guard. */
export interface WebhookSender {
  post(request: WebhookPost): Promise<PostOutcome>;
}

/** The delivery queue, as the dispatcher needs it: bring a message back after a pause (SQS visibility). */
export interface DeliveryQueue {
  postpone(receiptHandle: string, seconds: number): Promise<void>;
}
