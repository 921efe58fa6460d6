// The simulated marketplaces' request limits, enforced as the providers document them (reference/provider-apis.md):
// Vast.ai §1.9 — a minimum interval per endpoint and identity (API key; offer search: 10 a minute per client IP),
// no Retry-After; create 4.5 s with a 12 s penalty, show instance 2.0 s, list v1 1.0 s, destroy 3.0 s,
// label/manage 1.0 s, create ssh-key 1.0 s, search templates 3.0 s. TensorDock §2.8 — 100 requests a minute per
// organisation, all endpoints together. A request that breaks a rule is answered 429 (and counted as a violation);
// every other request passes, so a client that keeps to the rules never sees a 429 from here. The penalty reading
// (the endpoint stays closed to that identity for the penalty after a violation) is an inference: Vast does not
// disclose the semantics.
import { json, type Reply, type SimRequest } from './http-kit.ts';

interface SimLimit {
  endpoint: string;
  /** minimum ms between two accepted requests of one identity */
  intervalMs?: number;
  /** after a violation the endpoint refuses that identity for this long */
  penaltyMs?: number;
  /** at most `requests` accepted in any `ms` */
  window?: { requests: number; ms: number };
  documented: string;
}

interface EndpointReport {
  endpoint: string;
  documented: string;
  /** requests that reached the limit check */
  seen: number;
  accepted: number;
  /** answered 429: the client broke the rule (or asked during a penalty) */
  violations: number;
  /** violations more than 1 s after the first request this marketplace saw */
  violations_after_first_second: number;
  /** the most requests accepted in one calendar second, and in the documented window where there is one */
  max_accepted_per_second: number;
  max_accepted_per_window: number | null;
  /** the tightest gap between two accepted requests of one identity (ms), null with fewer than two */
  min_gap_ms: number | null;
  /** accepted requests per second since the first request (index = second) */
  accepted_per_second: number[];
  /** the first refusals: when (s after the first request), how soon after the last accepted one, and in a penalty */
  refusals: { at_s: number; gap_ms: number | null; in_penalty: boolean }[];
}

export interface RateLimitReport {
  /** the documented limits × this (1: as documented; 0: not enforced) */
  scale: number;
  endpoints: EndpointReport[];
  violations: number;
}

interface IdentityState {
  lastAccepted?: number;
  closedUntil: number;
  /** accepted times inside the window (window limits) */
  recent: number[];
}

interface EndpointState {
  limit: SimLimit;
  identities: Map<string, IdentityState>;
  seen: number;
  accepted: number;
  violations: number;
  lateViolations: number;
  perSecond: number[];
  acceptedTimes: number[];
  minGap: number | null;
  refusals: { at_s: number; gap_ms: number | null; in_penalty: boolean }[];
}

class RateLimitEnforcer {
  private readonly endpoints = new Map<string, EndpointState>();
  private firstAt: number | undefined;

  constructor(
    limits: SimLimit[],
    /** documented limits × scale; 0 records the traffic without enforcing anything */
    readonly scale: number,
    private readonly refusal: (limit: SimLimit) => Reply,
    private readonly now: () => number = Date.now,
  ) {
    for (const limit of limits) {
      this.endpoints.set(limit.endpoint, {
        limit,
        identities: new Map(),
        seen: 0,
        accepted: 0,
        violations: 0,
        lateViolations: 0,
        perSecond: [],
        acceptedTimes: [],
        minGap: null,
        refusals: [],
      });
    }
  }

  /** A 429 when this request breaks its endpoint's rule; undefined (and recorded) when it keeps to it. */
  check(endpoint: string | undefined, identity: string): Reply | undefined {
    const state = endpoint === undefined ? undefined : this.endpoints.get(endpoint);
    if (!state) return undefined;
    const t = this.now();
    this.firstAt ??= t;
    state.seen += 1;
    let who = state.identities.get(identity);
    if (!who) {
      who = { closedUntil: 0, recent: [] };
      state.identities.set(identity, who);
    }
    if (this.scale > 0 && this.breaks(state.limit, who, t)) {
      state.violations += 1;
      if (state.refusals.length < 20) {
        state.refusals.push({
          at_s: Math.round((t - this.firstAt) / 100) / 10,
          gap_ms: who.lastAccepted === undefined ? null : t - who.lastAccepted,
          in_penalty: t < who.closedUntil,
        });
      }
      if (t - this.firstAt > 1000) state.lateViolations += 1;
      if (state.limit.penaltyMs) who.closedUntil = Math.max(who.closedUntil, t + state.limit.penaltyMs * this.scale);
      return this.refusal(state.limit);
    }
    if (who.lastAccepted !== undefined) {
      const gap = t - who.lastAccepted;
      state.minGap = state.minGap === null ? gap : Math.min(state.minGap, gap);
    }
    who.lastAccepted = t;
    if (state.limit.window) who.recent.push(t);
    state.accepted += 1;
    state.acceptedTimes.push(t);
    const second = Math.floor((t - this.firstAt) / 1000);
    while (state.perSecond.length <= second) state.perSecond.push(0);
    state.perSecond[second]! += 1;
    return undefined;
  }

  private breaks(limit: SimLimit, who: IdentityState, t: number): boolean {
    if (t < who.closedUntil) return true;
    if (limit.intervalMs !== undefined && who.lastAccepted !== undefined && t - who.lastAccepted < limit.intervalMs * this.scale) {
      return true;
    }
    if (limit.window) {
      const span = limit.window.ms * this.scale;
      while (who.recent.length && who.recent[0]! <= t - span) who.recent.shift();
      if (who.recent.length >= limit.window.requests) return true;
    }
    return false;
  }

  report(): RateLimitReport {
    const endpoints = [...this.endpoints.values()].map((s): EndpointReport => {
      const window = s.limit.window ? s.limit.window.ms * Math.max(this.scale, 1e-9) : undefined;
      return {
        endpoint: s.limit.endpoint,
        documented: s.limit.documented,
        seen: s.seen,
        accepted: s.accepted,
        violations: s.violations,
        violations_after_first_second: s.lateViolations,
        max_accepted_per_second: Math.max(0, ...s.perSecond),
        max_accepted_per_window: window === undefined ? null : maxInWindow(s.acceptedTimes, window),
        min_gap_ms: s.minGap,
        accepted_per_second: [...s.perSecond],
        refusals: [...s.refusals],
      };
    });
    return { scale: this.scale, endpoints, violations: endpoints.reduce((n, e) => n + e.violations, 0) };
  }
}

function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  let from = 0;
  for (let to = 0; to < times.length; to++) {
    while (times[to]! - times[from]! >= windowMs) from++;
    best = Math.max(best, to - from + 1);
  }
  return best;
}

// ── the two marketplaces' rules ───────────────────────────────────────────────

const VAST_LIMITS: SimLimit[] = [
  { endpoint: 'create', intervalMs: 4500, penaltyMs: 12_000, documented: 'PUT /asks/{id}/: 4.5 s, penalty 12 s' },
  { endpoint: 'show', intervalMs: 2000, documented: 'GET /instances/{id}/: 2.0 s' },
  { endpoint: 'destroy', intervalMs: 3000, documented: 'DELETE /instances/{id}/: 3.0 s' },
  { endpoint: 'list_v1', intervalMs: 1000, documented: 'GET /api/v1/instances/: 1.0 s' },
  { endpoint: 'manage', intervalMs: 1000, documented: 'PUT /instances/{id}/: 1.0 s' },
  { endpoint: 'create_ssh_key', intervalMs: 1000, documented: 'POST /ssh/: 1.0 s' },
  { endpoint: 'search_templates', intervalMs: 3000, documented: 'GET /template/: 3.0 s' },
  { endpoint: 'search_offers', window: { requests: 10, ms: 60_000 }, documented: 'offer search: 10 a minute per IP' },
];

/** The Vast.ai endpoint a request is limited as (undefined: no documented limit). */
export function vastEndpoint(req: SimRequest): string | undefined {
  const { method, path } = req;
  if (path === '/bundles' || (method === 'PUT' && path === '/search/asks')) return 'search_offers';
  if (method === 'PUT' && /^\/asks\/[^/]+$/.test(path)) return 'create';
  if (/^\/instances\/[^/]+$/.test(path)) {
    if (method === 'GET') return 'show';
    if (method === 'DELETE') return 'destroy';
    if (method === 'PUT') return 'manage';
  }
  if (method === 'GET' && path === '/api/v1/instances') return 'list_v1';
  if (method === 'POST' && path === '/ssh') return 'create_ssh_key';
  if (method === 'GET' && path === '/template') return 'search_templates';
  return undefined;
}

/** Who Vast counts a request against: the API key, or for offer search the client IP (one here: loopback). */
export function vastIdentity(endpoint: string | undefined, key: string | undefined): string {
  return endpoint === 'search_offers' ? 'ip:127.0.0.1' : `key:${key ?? ''}`;
}

export function vastRateLimits(scale: number, now?: () => number): RateLimitEnforcer {
  return new RateLimitEnforcer(
    VAST_LIMITS,
    scale,
    (limit) => {
      const threshold = (limit.intervalMs ?? 6000) / 1000;
      // the body observed live (BENCH-004); no Retry-After, as documented
      return json(429, {
        message: `The action could not be performed because there were too many requests by the client.\n\nAPI requests too frequent: endpoint threshold=${threshold}*1.0\n\n`,
        code: '429 Too Many Requests',
      });
    },
    now,
  );
}

const TENSORDOCK_LIMITS: SimLimit[] = [
  { endpoint: 'all', window: { requests: 100, ms: 60_000 }, documented: '100 requests a minute per organisation' },
];

export function tensorDockRateLimits(scale: number, now?: () => number): RateLimitEnforcer {
  return new RateLimitEnforcer(TENSORDOCK_LIMITS, scale, () => json(429, { error: 'Rate limit exceeded. Please try again later.' }), now);
}
