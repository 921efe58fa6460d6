// What a consumer can subscribe to (issue 18): status changes, attempt failures, refunds, retries, the expiry warning,
// budget thresholds and matched price watches. Published on the stack's EventBridge bus (locally an in-process bus)
// and delivered to registered webhooks. `detail` is a public view (the session view, an alert): never a key.

export const CONSUMER_EVENT_TYPES = [
  'session.status_changed',
  'session.attempt_failed',
  'session.refunded',
  'session.retrying',
  'session.expiring',
  'budget.threshold',
  'watch.matched',
] as const;

export type ConsumerEventType = (typeof CONSUMER_EVENT_TYPES)[number];

export interface ConsumerEvent {
  /** unique per event: deliveries are idempotent on it */
  id: string;
  type: ConsumerEventType;
  consumer_id: string;
  session_id?: string;
  at: string;
  detail: Record<string, unknown>;
}

export interface ConsumerEventBus {
  publish(events: ConsumerEvent[]): Promise<void>;
}

/** EventBridge `source` of every consumer event (rules match on it) */
export const CONSUMER_EVENT_SOURCE = 'gpu-shopper';

/** EventBridge `detail-type` per event type */
export const CONSUMER_EVENT_DETAIL_TYPES: Record<ConsumerEventType, string> = {
  'session.status_changed': 'Session Status Changed',
  'session.attempt_failed': 'Session Attempt Failed',
  'session.refunded': 'Session Refunded',
  'session.retrying': 'Session Retrying',
  'session.expiring': 'Session Expiring',
  'budget.threshold': 'Budget Threshold',
  'watch.matched': 'Watch Matched',
};
