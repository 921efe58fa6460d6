// Client-side request pacing for provider APIs. Vast.ai enforces a minimum interval per endpoint with no
// Retry-After header, and TensorDock allows 100 requests a minute per organisation, so the adapters pace
// themselves instead of discovering the limit through 429s.
import { ProviderRateLimitedError } from '../../domain/provider-errors.ts';
import type { Pacer } from './pacer.ts';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

interface TokenBucketOptions {
  /** sustained rate */
  ratePerSecond: number;
  /** requests allowed back to back after an idle period */
  burst: number;
  /** a caller that would wait longer than this gets ProviderRateLimitedError instead of a long stall */
  maxWaitMs?: number;
  now?: () => number;
  sleep?: Sleep;
}

/**
 * A token bucket that hands out reservations: each caller takes a token now (the balance may go negative) and
 * waits until the refill covers it. Callers are therefore served in arrival order without a queue.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly now: () => number;
  private readonly sleep: Sleep;
  private readonly maxWaitMs: number;

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) {
      throw new RangeError('TokenBucket needs ratePerSecond > 0 and burst ≥ 1');
    }
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
    this.maxWaitMs = options.maxWaitMs ?? 60_000;
    this.tokens = options.burst;
    this.updatedAt = this.now();
  }

  /** How long a request arriving now would wait, without taking a token. */
  pendingWaitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.options.ratePerSecond) * 1000;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    this.refill();
    this.tokens -= 1;
    const waitMs = this.tokens >= 0 ? 0 : (-this.tokens / this.options.ratePerSecond) * 1000;
    if (waitMs === 0) return;
    if (waitMs > this.maxWaitMs) {
      this.tokens += 1;
      throw new ProviderRateLimitedError('client-side rate limit: too many requests queued', {
        wait_ms: Math.round(waitMs),
      });
    }
    try {
      await this.sleep(waitMs, signal);
    } catch (err) {
      this.tokens += 1; // give the reservation back
      throw err;
    }
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.updatedAt = now;
    this.tokens = Math.min(this.options.burst, this.tokens + elapsed * this.options.ratePerSecond);
  }
}

export interface BackoffOptions {
  /** retries after the first attempt */
  retries: number;
  baseMs: number;
  maxMs: number;
}

/** Exponential backoff with "equal jitter": half the step is fixed, half random, so retries spread out. */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const step = Math.min(options.maxMs, options.baseMs * 2 ** attempt);
  return step / 2 + random() * (step / 2);
}

/**
 * Where a request waits for its turn: the shared pacing (the product), or an in-process bucket for the whole API or
 * per endpoint (tests that talk to a provider directly).
 */
export type RequestLimiter = TokenBucket | PerOperationLimiter | Pacer;

/**
 * One bucket per operation (endpoint), created on first use with the same pacing: Vast.ai limits each endpoint
 * separately, so a queue of creates must not hold up a status read.
 */
export class PerOperationLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  constructor(private readonly options: TokenBucketOptions) {}

  forOperation(operation: string): TokenBucket {
    let bucket = this.buckets.get(operation);
    if (!bucket) {
      bucket = new TokenBucket(this.options);
      this.buckets.set(operation, bucket);
    }
    return bucket;
  }
}

export function bucketFor(limiter: TokenBucket | PerOperationLimiter, operation: string): TokenBucket {
  return limiter instanceof PerOperationLimiter ? limiter.forOperation(operation) : limiter;
}

const isPacer = (limiter: RequestLimiter): limiter is Pacer => 'penalize' in limiter;

/**
 * Waits for the operation's turn (or throws a retryable error when it is too far away). `slotAt`: a place the shared
 * pacing kept for this caller earlier (an in-process bucket keeps none).
 */
export function acquireTurn(limiter: RequestLimiter, operation: string, signal?: AbortSignal, slotAt?: number): Promise<void> {
  return isPacer(limiter) ? limiter.acquire(operation, signal, slotAt) : bucketFor(limiter, operation).acquire(signal);
}

/**
 * After a 429: the shared pacing closes the endpoint for its penalty and returns true (the next turn is the
 * backoff); an in-process bucket knows no penalty and returns false (the caller backs off itself).
 */
export async function penalizeTurn(limiter: RequestLimiter, operation: string): Promise<boolean> {
  if (!isPacer(limiter)) return false;
  await limiter.penalize(operation);
  return true;
}
