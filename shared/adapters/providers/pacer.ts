// Provider pacing shared by every execution environment: before each request the adapter reserves the next slot
// of the endpoint's limiter (one per provider, endpoint and credential) in a shared ledger (DynamoDB in the product)
// and sleeps until it; a slot too far away throws ProviderPacingError instead, which the state machine backs off on.
// A 429 closes the endpoint for the documented penalty, for every environment at once.
import { createHash } from 'node:crypto';
import { ProviderPacingError } from '../../domain/provider-errors.ts';
import type { ProviderName } from '../../domain/offer.ts';
import { decideSlot, type SlotDecision, type SlotRequest, penalizedNextAt } from '../../domain/pacing.ts';
import { type PacingRule, pacingRuleFor } from './pacing-rules.ts';
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

  /** The limiter an operation is paced by (reports and tests). */
  ruleFor(operation: string): PacingRule {
    return pacingRuleFor(this.options.provider, operation);
  }

  keyFor(operation: string): string {
    return limiterKey(this.options.provider, this.ruleFor(operation).endpoint, this.tag);
  }

  /**
   * The spacing of two slots: the documented interval plus the margin; for a window rule, the window plus the margin
   * over its count (n + 1 requests then always span more than the window, however late the first arrives).
   */
  intervalMs(rule: PacingRule): number {
    if (rule.window) return Math.ceil((rule.window.ms * this.scale + this.marginMs) / rule.window.requests);
    return Math.ceil(rule.intervalMs * this.scale) + this.marginMs;
  }

  /** Waits for the operation's next slot, or throws ProviderPacingError when it is more than the rule's bound away. */
  async acquire(operation: string, signal?: AbortSignal): Promise<void> {
    const rule = this.ruleFor(operation);
    const key = this.keyFor(operation);
    for (let round = 0; ; round++) {
      const now = this.now();
      const decision = await this.options.ledger.reserve(key, { now, intervalMs: this.intervalMs(rule), maxWaitMs: rule.maxWaitMs });
      if (decision.kind === 'too_long') {
        throw new ProviderPacingError(
          `${this.options.provider} ${operation}: the shared pacing has no slot for ${Math.ceil(decision.waitMs / 1000)} s (${rule.documented})`,
          { provider: this.options.provider, operation, endpoint: rule.endpoint, wait_ms: Math.round(decision.waitMs) },
        );
      }
      const waitMs = decision.at - this.now();
      if (waitMs > 0) {
        await this.sleep(waitMs, signal);
        // A 429 elsewhere while this caller slept closed the endpoint: a slot reserved before it would break the
        // penalty (and, at Vast.ai, extend it for everyone). Only a caller that waited asks (one read).
        const closed = await this.options.ledger.closedUntil(key);
        if (closed !== undefined && closed > this.now() && round < 3) continue;
      }
      // Later than the margin absorbs (a slow reservation write, a late timer, a busy host): sent now, this request
      // would arrive too close to the next slot's. The slot is given up and a new one taken (more writes, no 429).
      if (this.now() - decision.at > this.marginMs && round < 3) continue;
      return;
    }
  }

  /** The provider answered 429: close the endpoint for its penalty (or one interval) for every environment. */
  async penalize(operation: string): Promise<void> {
    const rule = this.ruleFor(operation);
    const closedFor = Math.ceil((rule.penaltyMs ?? rule.intervalMs) * this.scale) + this.marginMs;
    await this.options.ledger.penalize(this.keyFor(operation), this.now(), closedFor);
  }
}
