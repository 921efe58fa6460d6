// The client-side limiter and the 429 backoff, on a fake clock: what they decide, not how long they take.
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, bucketFor, PerOperationLimiter, TokenBucket } from '../../shared/adapters/providers/rate-limiter.ts';

/** A clock that only moves when someone sleeps on it. */
function fakeClock() {
  let now = 0;
  const waits: number[] = [];
  return {
    now: () => now,
    waits,
    advance(ms: number) {
      now += ms;
    },
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      waits.push(ms);
      now += ms;
    },
  };
}

describe('TokenBucket', () => {
  it('lets a burst through at once, then paces to the rate', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 2, now: clock.now, sleep: clock.sleep });
    await bucket.acquire();
    await bucket.acquire();
    expect(clock.waits).toEqual([]);
    await bucket.acquire();
    expect(clock.waits).toEqual([1000]);
    await bucket.acquire();
    expect(clock.waits).toEqual([1000, 1000]);
  });

  it('refills while idle, never beyond the burst', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 3, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 3; i++) await bucket.acquire();
    clock.advance(60_000); // a long idle period refills only up to the burst
    for (let i = 0; i < 3; i++) await bucket.acquire();
    expect(clock.waits).toEqual([]);
    await bucket.acquire();
    expect(clock.waits).toEqual([500]);
  });

  it('queues concurrent callers in arrival order, each a slot after the other', async () => {
    let now = 0;
    const requested: number[] = [];
    const bucket = new TokenBucket({
      ratePerSecond: 1,
      burst: 1,
      now: () => now,
      sleep: async (ms) => {
        requested.push(ms);
      },
    });
    await Promise.all([bucket.acquire(), bucket.acquire(), bucket.acquire(), bucket.acquire()]);
    // reservations made at the same instant wait 0, 1, 2 and 3 seconds
    expect(requested).toEqual([1000, 2000, 3000]);
    now = 10_000;
    expect(bucket.pendingWaitMs()).toBe(0);
  });

  it('refuses with ProviderRateLimitedError rather than queueing past its maximum wait', async () => {
    const bucket = new TokenBucket({
      ratePerSecond: 1,
      burst: 1,
      maxWaitMs: 2500,
      now: () => 0,
      sleep: async () => undefined,
    });
    await bucket.acquire();
    await bucket.acquire(); // 1 s
    await bucket.acquire(); // 2 s
    await expect(bucket.acquire()).rejects.toMatchObject({ name: 'ProviderRateLimitedError' });
    // the refused caller did not take a slot
    expect(bucket.pendingWaitMs()).toBe(3000);
  });

  it('gives the slot back when the caller aborts while waiting', async () => {
    const bucket = new TokenBucket({
      ratePerSecond: 1,
      burst: 1,
      now: () => 0,
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
    });
    await bucket.acquire();
    const controller = new AbortController();
    const waiting = bucket.acquire(controller.signal);
    expect(bucket.pendingWaitMs()).toBe(2000);
    controller.abort(new Error('caller gave up'));
    await expect(waiting).rejects.toThrow('caller gave up');
    expect(bucket.pendingWaitMs()).toBe(1000);
  });

  it('rejects nonsense settings', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0 })).toThrow(RangeError);
  });
});

describe('backoff with jitter', () => {
  const options = { retries: 4, baseMs: 1000, maxMs: 8000 };

  it('doubles each attempt up to the cap, with half of each step random', () => {
    expect([0, 1, 2, 3, 4].map((a) => backoffDelayMs(a, options, () => 0))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect([0, 1, 2, 3, 4].map((a) => backoffDelayMs(a, options, () => 1))).toEqual([1000, 2000, 4000, 8000, 8000]);
  });

  it('spreads callers that back off at the same moment', () => {
    const values = new Set(Array.from({ length: 50 }, () => backoffDelayMs(2, options)));
    expect(values.size).toBeGreaterThan(40);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(2000);
      expect(v).toBeLessThanOrEqual(4000);
    }
  });
});

describe('PerOperationLimiter', () => {
  it('paces each operation on its own: a queue of creates does not hold up a status read', async () => {
    const clock = fakeClock();
    const limiter = new PerOperationLimiter({ ratePerSecond: 1, burst: 1, now: clock.now, sleep: clock.sleep });
    expect(bucketFor(limiter, 'create instance')).toBe(bucketFor(limiter, 'create instance'));
    await bucketFor(limiter, 'create instance').acquire();
    await bucketFor(limiter, 'create instance').acquire();
    expect(clock.waits).toEqual([1000]);
    // the first read of another endpoint goes straight through
    await bucketFor(limiter, 'get instance').acquire();
    expect(clock.waits).toEqual([1000]);
  });

  it('a single bucket is shared by every operation', async () => {
    const clock = fakeClock();
    const shared = new TokenBucket({ ratePerSecond: 1, burst: 1, now: clock.now, sleep: clock.sleep });
    await bucketFor(shared, 'create instance').acquire();
    await bucketFor(shared, 'get instance').acquire();
    expect(clock.waits).toEqual([1000]);
  });
});
