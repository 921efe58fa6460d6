// The providers' documented request limits, as pacing rules per endpoint. Sources (reference/provider-apis.md):
// - Vast.ai §1.9 [DOC]: limits are per endpoint and per identity (API key; offer search per client IP), enforced as
//   a minimum interval between requests, with no Retry-After and no rate-limit headers. The OpenAPI `x-rate-limit`
//   values: create (`PUT /asks/{id}/`) threshold 4.5 with penalty 12, show instance 2.0, list v1 1.0, destroy 3.0,
//   label/manage 1.0, create ssh-key 1.0, search templates 3.0, search offers "10 requests per minute per IP".
//   The 429 body observed live reads "endpoint threshold=4.5*1.0" [REF-LIVE BENCH-004]. Vast does not disclose what
//   "threshold" means (docs PR #61); we read it as seconds between requests, as the proposed docs text does, and the
//   penalty as seconds the endpoint stays closed to a client that broke the interval [INF]. Both readings are the
//   cautious ones: the other reading (requests per second) allows more.
// - TensorDock §2.8 [DOC getting-started]: "100 requests per minute per organization", shared by every endpoint.
import type { ProviderName } from '../../domain/offer.ts';

export interface PacingRule {
  /** the limiter's name for the endpoint: one limiter per (provider, endpoint, credential) */
  endpoint: string;
  /** the documented minimum interval between two requests of one identity */
  intervalMs: number;
  /** how long the endpoint stays closed after a request broke the interval (Vast create) */
  penaltyMs?: number;
  /**
   * The documented limit when it is a count per window (Vast offer search, TensorDock): the interval above is the
   * window divided by the count, which never exceeds the window's count.
   */
  window?: { requests: number; ms: number };
  /** where the provider counts: our API key, or (Vast offer search) the client's IP */
  per: 'credential' | 'ip';
  /** a caller that would wait longer than this gets a retryable error instead (a Lambda should not sleep long) */
  maxWaitMs: number;
  /**
   * Creates only: a caller beyond maxWaitMs still takes its place in the queue, up to this far ahead, and comes back
   * for it (the state machine waits for it). Without a place kept, refused callers compete again at random on every
   * retry and an unlucky one runs out of retries behind hundreds of others.
   */
  queueHorizonMs?: number;
  /** the documentation's wording, for reports */
  documented: string;
}

const seconds = (s: number) => Math.round(s * 1000);

/** how far ahead a create may hold its place: 30 min of Vast creates is 380 sessions on one key */
const CREATE_QUEUE_HORIZON_MS = 30 * 60_000;

/** Vast.ai endpoints by the adapter's operation names (vastai.ts `operation:`). */
export const VAST_RULES: Record<string, PacingRule> = {
  create: {
    endpoint: 'create',
    intervalMs: seconds(4.5),
    penaltyMs: seconds(12),
    per: 'credential',
    // long enough that the queue of creates never runs dry while the rest back off in the state machine
    maxWaitMs: 75_000,
    queueHorizonMs: CREATE_QUEUE_HORIZON_MS,
    documented: 'PUT /asks/{id}/: threshold 4.5 s, penalty 12 s',
  },
  show: {
    endpoint: 'show',
    intervalMs: seconds(2),
    per: 'credential',
    maxWaitMs: 20_000,
    documented: 'GET /instances/{id}/: 2.0 s',
  },
  destroy: {
    endpoint: 'destroy',
    intervalMs: seconds(3),
    per: 'credential',
    maxWaitMs: 30_000,
    documented: 'DELETE /instances/{id}/: 3.0 s',
  },
  list: {
    endpoint: 'list',
    intervalMs: seconds(1),
    per: 'credential',
    maxWaitMs: 20_000,
    documented: 'GET /api/v1/instances/: 1.0 s',
  },
  search_templates: {
    endpoint: 'search_templates',
    intervalMs: seconds(3),
    per: 'credential',
    maxWaitMs: 20_000,
    documented: 'GET /template/: 3.0 s',
  },
  search_offers: {
    endpoint: 'search_offers',
    intervalMs: seconds(6),
    window: { requests: 10, ms: 60_000 },
    per: 'ip',
    // an inventory refresh pages through several searches in a row
    maxWaitMs: 45_000,
    documented: 'POST /bundles/: 10 requests a minute per IP',
  },
  // Attaching a key and reading an instance's keys carry no documented limit; they are paced like the other
  // per-instance writes (label/manage, create ssh-key: 1.0 s) rather than left to discover one [INF].
  ssh_keys: {
    endpoint: 'ssh_keys',
    intervalMs: seconds(1),
    per: 'credential',
    maxWaitMs: 20_000,
    documented: 'POST/GET /instances/{id}/ssh/: none documented (paced at 1.0 s like create ssh-key)',
  },
};

const VAST_OPERATIONS: Record<string, string> = {
  'search offers': 'search_offers',
  'create instance': 'create',
  'list templates': 'search_templates',
  'get instance': 'show',
  'list instances': 'list',
  'destroy instance': 'destroy',
  'attach ssh key': 'ssh_keys',
  'list instance ssh keys': 'ssh_keys',
  'detach ssh key': 'ssh_keys',
};

/** TensorDock counts every endpoint together, per organisation (our token). */
export const TENSORDOCK_RULE: PacingRule = {
  endpoint: 'all',
  intervalMs: 600,
  window: { requests: 100, ms: 60_000 },
  per: 'credential',
  maxWaitMs: 20_000,
  documented: '100 requests a minute per organisation, all endpoints',
};

/**
 * Our own cap on TensorDock creates, taken before the organisation's limit: at most half of its 100 a minute. A
 * session needs a status read (its address) after its create, so creates beyond half the window only rent instances
 * whose reads then queue behind more creates: measured at 300 sessions, creates queued 75 s filled the window ahead
 * of the reads, which were refused until 130 of 200 sessions failed verification. Reads keep the whole window when
 * no create is waiting.
 */
export const TENSORDOCK_CREATE_LANE: PacingRule = {
  endpoint: 'create_lane',
  intervalMs: 1200,
  window: { requests: 50, ms: 60_000 },
  per: 'credential',
  maxWaitMs: 20_000,
  queueHorizonMs: CREATE_QUEUE_HORIZON_MS,
  documented: 'our cap: half the organisation\'s 100 a minute for creates',
};

/**
 * The limiters a request of an operation takes, in order: the first may keep a caller's place (creates); the last is
 * the one the provider enforces (a 429 penalises it).
 */
export function pacingPlanFor(provider: ProviderName, operation: string): PacingRule[] {
  if (provider === 'tensordock') return operation === 'create instance' ? [TENSORDOCK_CREATE_LANE, TENSORDOCK_RULE] : [TENSORDOCK_RULE];
  return [pacingRuleFor(provider, operation)];
}

/** The provider's own limit an operation is paced by (an unknown Vast operation: the strictest per-key one). */
export function pacingRuleFor(provider: ProviderName, operation: string): PacingRule {
  if (provider === 'tensordock') return TENSORDOCK_RULE;
  const endpoint = VAST_OPERATIONS[operation];
  return endpoint ? VAST_RULES[endpoint]! : { ...VAST_RULES['show']!, endpoint: 'other' };
}
