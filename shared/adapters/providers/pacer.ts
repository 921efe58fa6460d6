// Provider pacing shared by every execution environment: before each request the adapter reserves the next slot
// of the endpoint's limiter (one per provider, endpoint and credential) in a shared ledger (DynamoDB in the product)
// and sleeps until it; a slot too far away throws ProviderPacingError instead, which the state machine backs off on.
// A create keeps its place in the queue instead (served in arrival order, however long the queue), and comes back
// for it. A 429 closes the endpoint for the documented penalty, for every environment at once.
import { createHash } from 'node:crypto';
import { ProviderPacingError } from '../../domain/provider-errors.ts';
import type { ProviderName } from '../../domain/offer.ts';
import { decideSlot, type PacingPlace, type SlotDecision, type SlotRequest, penalizedNextAt } from '../../domain/pacing.ts';
import { type PacingRule, pacingPlanFor, pacingRuleFor } from './pacing-rules.ts';
import { type Sleep, sleep } from './rate-limiter.ts';

/** Where limiters keep their next free slot. Implementations apply decideSlot atomically per key. */
export interface SlotLedger {
  reserve(key: string, request: SlotRequest): Promise<SlotDecision>;
  /** moves the limiter's next slot to at least now + closedForMs, and marks it closed until then */
  penalize(key: string, now: number, closedForMs: number): Promise<void>;
  /** until when a 429 closed the limiter (undefined: never): a slot reserved before the 429 must not be used */
  closedUntil(key: string): Promise<number | undefined>;
}

/** One process's ledger: only for tests and single-process tools (the product shares the DynamoDB one). */
export class MemorySlotLedger implements SlotLedger {
  private readonly next = new Map<string, number>();
  private readonly closed = new Map<string, number>();

  async reserve(key: string, request: SlotRequest): Promise<SlotDecision> {
    const decision = decideSlot(this.next.get(key), request);
    if (decision.kind === 'slot') this.next.set(key, decision.next);
    return decision;
  }

  async penalize(key: string, now: number, closedForMs: number): Promise<void> {
    this.next.set(key, penalizedNextAt(this.next.get(key), now, closedForMs));
    this.closed.set(key, Math.max(this.closed.get(key) ?? 0, now + closedForMs));
  }

  async closedUntil(key: string): Promise<number | undefined> {
    return this.closed.get(key);
  }
}

/** A short, one-way tag of a credential: limiters are per credential, and the credential itself is never stored. */
export function credentialTag(credential: string): string {
  return createHash('sha256').update(credential).digest('hex').slice(0, 16);
}

const limiterKey = (provider: ProviderName, endpoint: string, tag: string) => `${provider}#${endpoint}#${tag}`;

interface PacerOptions {
  provider: ProviderName;
  credential: string;
  ledger: SlotLedger;
  /**
   * Multiplies the documented intervals and penalties (1 against the real providers). The simulated marketplaces
   * can enforce the same rules faster for tests; the pacer then runs at their scale.
   */
  scale?: number;
  /**
   * How much later one request may reach the provider than the next (a cold environment's first request pays for
   * DNS, TCP and TLS; a warm one does not), while the provider measures arrivals. Added to every interval; a
   * window rule (n per minute) spreads it over the window's n requests.
   */
  marginMs?: number;
  now?: () => number;
  sleep?: Sleep;
}

// Covers the jitter between our slot and the provider's clock (network, a busy host): at 250 ms the scale bench still
// saw a Vast create arrive 23 ms inside the interval after a 300 ms stall. A 429 there costs a 12 s penalty for all.
export const DEFAULT_PACING_MARGIN_MS = 400;

const WINDOW_MARGIN_SHARE = 0.03;

/** A kept place, come back for up to 10 s before its slot: a cold start (p95 ≈ 5 s measured) still makes it. */
const placeAt = (rule: PacingRule, slotAt: number): PacingPlace => ({
  slot_at: slotAt,
  wake_at: slotAt - Math.min(rule.maxWaitMs / 2, 10_000),
});

export class Pacer {
  private readonly tag: string;
  private readonly scale: number;
  private readonly marginMs: number;
  private readonly now: () => number;
  private readonly sleep: Sleep;

  constructor(private readonly options: PacerOptions) {
    this.tag = credentialTag(options.credential);
    this.scale = options.scale ?? 1;
    if (!(this.scale > 0)) throw new RangeError('Pacer needs scale > 0');
    this.marginMs = options.marginMs ?? DEFAULT_PACING_MARGIN_MS;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
  }

  /** The provider's own limiter an operation is paced by (reports, tests, penalties). */
  ruleFor(operation: string): PacingRule {
    return pacingRuleFor(this.options.provider, operation);
  }

  keyFor(operation: string): string {
    return this.key(this.ruleFor(operation));
  }

  private key(rule: PacingRule): string {
    return limiterKey(this.options.provider, rule.endpoint, this.tag);
  }

  /**
   * The spacing of two slots: the documented interval plus the margin; for a window rule, the window plus the margin
   * over its count (n + 1 requests then always span more than the window, however late the first arrives).
   */
  intervalMs(rule: PacingRule): number {
    if (rule.window) return Math.ceil((rule.window.ms * this.scale + this.marginFor(rule)) / rule.window.requests);
    return Math.ceil(rule.intervalMs * this.scale) + this.marginMs;
  }

  /**
   * How late a request may arrive. A window rule spreads its margin over its count, so it affords a wider one (3 % of
   * the window: 1.8 s a minute at TensorDock's 100, for 3 % of its throughput): at 400 ms, one stall of the process
   * past it let a 101st request into a minute at 300 sessions.
   */
  private marginFor(rule: PacingRule): number {
    return rule.window ? Math.max(this.marginMs, Math.round(rule.window.ms * this.scale * WINDOW_MARGIN_SHARE)) : this.marginMs;
  }

  /**
   * Waits for the operation's slot in each of its limiters, or throws ProviderPacingError when one is more than its
   * bound away — for a create, with a place kept further ahead (`place` on the error). A caller presenting such a
   * place (`slotAt`) takes it instead of queueing again.
   */
  async acquire(operation: string, signal?: AbortSignal, slotAt?: number): Promise<void> {
    const [first, ...rest] = pacingPlanFor(this.options.provider, operation) as [PacingRule, ...PacingRule[]];
    const enforced = rest.length === 0;
    if (slotAt === undefined || !(await this.takePlace(operation, first, slotAt, enforced, signal))) {
      await this.take(operation, first, enforced, signal);
    }
    for (const [i, rule] of rest.entries()) {
      try {
        await this.take(operation, rule, i === rest.length - 1, signal);
      } catch (err) {
        // the provider's own window is full: the create keeps a new place in its lane rather than compete at random
        if (err instanceof ProviderPacingError && first.queueHorizonMs !== undefined) throw await this.queue(first, err);
        throw err;
      }
    }
  }

  /** One limiter's slot: sleeps until it, or throws when it is beyond the rule's bound (keeping a place if it may). */
  private async take(operation: string, rule: PacingRule, enforced: boolean, signal?: AbortSignal): Promise<void> {
    const key = this.key(rule);
    for (let round = 0; ; round++) {
      const now = this.now();
      const decision = await this.options.ledger.reserve(key, { now, intervalMs: this.intervalMs(rule), maxWaitMs: rule.maxWaitMs });
      if (decision.kind === 'too_long') {
        const refused = new ProviderPacingError(
          `${this.options.provider} ${operation}: the shared pacing has no slot for ${Math.ceil(decision.waitMs / 1000)} s (${rule.documented})`,
          { provider: this.options.provider, operation, endpoint: rule.endpoint, wait_ms: Math.round(decision.waitMs) },
        );
        throw rule.queueHorizonMs === undefined ? refused : await this.queue(rule, refused);
      }
      const waitMs = decision.at - this.now();
      if (waitMs > 0) {
        await this.sleep(waitMs, signal);
        // A 429 elsewhere while this caller slept closed the endpoint: a slot reserved before it would break the
        // penalty (and, at Vast.ai, extend it for everyone). Only a caller that waited asks (one read).
        if (enforced && (await this.closedSince(key)) && round < 3) continue;
      }
      // Later than the margin absorbs (a slow reservation write, a late timer, a busy host): sent now, this request
      // would arrive too close to the next slot's. The slot is given up and a new one taken (more writes, no 429).
      if (this.now() - decision.at > this.marginFor(rule) && round < 3) continue;
      return;
    }
  }

  /** Keeps the caller's place up to the rule's horizon: the refusal then tells it when to come back. */
  private async queue(rule: PacingRule, refused: ProviderPacingError): Promise<ProviderPacingError> {
    const decision = await this.options.ledger.reserve(this.key(rule), {
      now: this.now(),
      intervalMs: this.intervalMs(rule),
      maxWaitMs: rule.queueHorizonMs!,
    });
    if (decision.kind === 'too_long') return refused;
    return refused.withPlace(placeAt(rule, decision.at));
  }

  /** true when the caller used the place it kept; false when it came too late for it (or a 429 closed the endpoint). */
  private async takePlace(operation: string, rule: PacingRule, slotAt: number, enforced: boolean, signal?: AbortSignal): Promise<boolean> {
    const waitMs = slotAt - this.now();
    if (waitMs > rule.maxWaitMs) {
      // came back early (a retried task): the place stays as it is, nothing new is reserved
      throw new ProviderPacingError(`${this.options.provider} ${operation}: its place in the queue is ${Math.ceil(waitMs / 1000)} s away`, {
        provider: this.options.provider,
        operation,
        endpoint: rule.endpoint,
        wait_ms: Math.round(waitMs),
      }).withPlace(placeAt(rule, slotAt));
    }
    if (waitMs > 0) {
      await this.sleep(waitMs, signal);
      if (enforced && (await this.closedSince(this.key(rule)))) return false;
    }
    return this.now() - slotAt <= this.marginFor(rule);
  }

  private async closedSince(key: string): Promise<boolean> {
    const closed = await this.options.ledger.closedUntil(key);
    return closed !== undefined && closed > this.now();
  }

  /** The provider answered 429: close the endpoint for its penalty (or one interval) for every environment. */
  async penalize(operation: string): Promise<void> {
    const rule = this.ruleFor(operation);
    const closedFor = Math.ceil((rule.penaltyMs ?? rule.intervalMs) * this.scale) + this.marginMs;
    await this.options.ledger.penalize(this.keyFor(operation), this.now(), closedFor);
  }
}
