// The shared pacing's slot arithmetic and the pacer on a fake clock: which slot each caller gets, when a caller is
// turned away instead of sleeping, and what a 429 does to the endpoint.
import { describe, expect, it } from 'vitest';
import { MemorySlotLedger, Pacer, type SlotLedger, credentialTag } from '../../shared/adapters/providers/pacer.ts';
import {
  TENSORDOCK_CREATE_LANE,
  TENSORDOCK_RULE,
  VAST_RULES,
  pacingPlanFor,
  pacingRuleFor,
} from '../../shared/adapters/providers/pacing-rules.ts';
import { ProviderPacingError } from '../../shared/domain/provider-errors.ts';
import { decideSlot, penalizedNextAt } from '../../shared/domain/pacing.ts';

function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe('slot arithmetic', () => {
  it('serves an idle limiter now and a busy one at its next slot, one interval apart', () => {
    expect(decideSlot(undefined, { now: 100, intervalMs: 4500, maxWaitMs: 60_000 })).toEqual({ kind: 'slot', at: 100, next: 4600 });
    // next_at in the past: the slot is now, not the stale next_at
    expect(decideSlot(50, { now: 100, intervalMs: 4500, maxWaitMs: 60_000 })).toEqual({ kind: 'slot', at: 100, next: 4600 });
    expect(decideSlot(4600, { now: 200, intervalMs: 4500, maxWaitMs: 60_000 })).toEqual({ kind: 'slot', at: 4600, next: 9100 });
  });

  it('turns a caller away without reserving when the wait is beyond its bound', () => {
    expect(decideSlot(70_000, { now: 0, intervalMs: 4500, maxWaitMs: 60_000 })).toEqual({ kind: 'too_long', at: 70_000, waitMs: 70_000 });
    expect(decideSlot(60_000, { now: 0, intervalMs: 4500, maxWaitMs: 60_000 }).kind).toBe('slot');
  });

  it('a penalty pushes the next slot out and never pulls it back', () => {
    expect(penalizedNextAt(undefined, 1000, 12_000)).toBe(13_000);
    expect(penalizedNextAt(5000, 1000, 12_000)).toBe(13_000);
    expect(penalizedNextAt(40_000, 1000, 12_000)).toBe(40_000);
  });
});

describe('the documented rules', () => {
  it('paces each Vast.ai endpoint by its own documented interval, TensorDock by one limit for all', () => {
    expect(pacingRuleFor('vastai', 'create instance')).toMatchObject({ intervalMs: 4500, penaltyMs: 12_000 });
    expect(pacingRuleFor('vastai', 'get instance').intervalMs).toBe(2000);
    expect(pacingRuleFor('vastai', 'destroy instance').intervalMs).toBe(3000);
    // 10 a minute
    expect(pacingRuleFor('vastai', 'search offers').intervalMs).toBe(6000);
    expect(pacingRuleFor('tensordock', 'create instance')).toBe(TENSORDOCK_RULE);
    expect(pacingRuleFor('tensordock', 'get instance')).toBe(TENSORDOCK_RULE);
    // creates pass our own lane (half the window) first, then the organisation's limit; reads only the latter
    expect(pacingPlanFor('tensordock', 'create instance')).toEqual([TENSORDOCK_CREATE_LANE, TENSORDOCK_RULE]);
    expect(pacingPlanFor('tensordock', 'get instance')).toEqual([TENSORDOCK_RULE]);
    expect(TENSORDOCK_CREATE_LANE.window!.requests * 2).toBe(TENSORDOCK_RULE.window!.requests);
    // 100 a minute
    expect(TENSORDOCK_RULE.intervalMs * TENSORDOCK_RULE.window!.requests).toBe(60_000);
    for (const rule of Object.values(VAST_RULES)) expect(rule.maxWaitMs).toBeLessThan(120_000);
  });
});

describe('Pacer', () => {
  it('spreads a wider margin over a window rule, so 101 requests always span the minute', () => {
    const td = new Pacer({ provider: 'tensordock', credential: 't', ledger: new MemorySlotLedger(), marginMs: 250 });
    const spacing = td.intervalMs(TENSORDOCK_RULE);
    // 3 % of the window (1.8 s), not the 250 ms of an interval rule: (60 s + 1.8 s) / 100
    expect(spacing).toBe(618);
    // the first request 1.8 s late, the 101st on time: still a minute apart
    expect(100 * spacing - 1800).toBeGreaterThanOrEqual(60_000);
    expect(td.intervalMs(VAST_RULES['create']!)).toBe(4750);
    // a margin wider than 3 % of the window is kept
    expect(new Pacer({ provider: 'tensordock', credential: 't', ledger: new MemorySlotLedger(), marginMs: 3000 }).intervalMs(TENSORDOCK_RULE)).toBe(630);
  });

  it('spaces the callers of one endpoint by the interval plus the margin, other endpoints apart', async () => {
    const clock = fakeClock();
    const ledger = new MemorySlotLedger();
    const sent: [string, number][] = [];
    const pacer = new Pacer({ provider: 'vastai', credential: 'k'.repeat(64), ledger, marginMs: 50, ...clock });
    // reservations are made in arrival order; each caller then sleeps on the shared fake clock
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push(await ledger.reserve(pacer.keyFor('create instance'), { now: clock.now(), intervalMs: pacer.intervalMs(VAST_RULES['create']!), maxWaitMs: 75_000 }));
    expect(decisions.map((d) => (d.kind === 'slot' ? d.at - 1_000_000 : null))).toEqual([0, 4550, 9100]);
    await pacer.acquire('get instance');
    sent.push(['show', clock.now()]);
    // a status read does not queue behind the creates
    expect(sent[0]![1]).toBe(1_000_000);
  });

  it('sleeps until its slot when the wait is short', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ provider: 'vastai', credential: 'key', ledger: new MemorySlotLedger(), marginMs: 0, ...clock });
    await pacer.acquire('create instance');
    await pacer.acquire('create instance');
    expect(clock.now()).toBe(1_000_000 + 4500);
  });

  it('throws the retryable ProviderPacingError, naming no credential, when the queue is longer than the bound', async () => {
    const clock = fakeClock();
    const ledger = new MemorySlotLedger();
    const credential = 'secret-vast-key-0123456789';
    // 10 other environments have reserved status reads: the next slot is 10 × 2.05 s = 20.5 s away, beyond the 20 s bound
    const others = Array.from(
      { length: 10 },
      () => new Pacer({ provider: 'vastai', credential, ledger, marginMs: 50, sleep: async () => {}, now: clock.now }),
    );
    for (const other of others) await other.acquire('get instance');
    const pacer = new Pacer({ provider: 'vastai', credential, ledger, marginMs: 50, ...clock });
    const err = await pacer.acquire('get instance').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderPacingError);
    expect((err as Error).name).toBe('ProviderPacingError');
    // a read keeps no place
    expect((err as ProviderPacingError).place).toBeUndefined();
    expect(JSON.stringify({ m: (err as Error).message, d: (err as ProviderPacingError).details })).not.toContain(credential);
    expect(clock.now()).toBe(1_000_000); // it did not sleep
    // and it reserved nothing: once the queue has moved on by one slot, the next caller waits 18.45 s, not 20.5 s
    clock.advance(2050);
    const before = clock.now();
    await pacer.acquire('get instance');
    expect(clock.now() - before).toBe(10 * 2050 - 2050);
  });

  it('a 429 closes the endpoint for the documented penalty for every pacer of the credential', async () => {
    const clock = fakeClock();
    const ledger = new MemorySlotLedger();
    const a = new Pacer({ provider: 'vastai', credential: 'key', ledger, marginMs: 0, ...clock });
    const b = new Pacer({ provider: 'vastai', credential: 'key', ledger, marginMs: 0, ...clock });
    await a.penalize('create instance');
    await b.acquire('create instance');
    expect(clock.now()).toBe(1_000_000 + 12_000);
  });

  it('runs the documented rules at a scale, for simulated marketplaces enforcing them alike', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ provider: 'tensordock', credential: 'tok', ledger: new MemorySlotLedger(), marginMs: 5, scale: 0.01, ...clock });
    await pacer.acquire('create instance');
    await pacer.acquire('get instance');
    // 100 a minute × 0.01 is 6 ms apart; the 5 ms margin spread over the window's 100 requests adds 0.05 → 7 ms
    expect(clock.now()).toBe(1_000_000 + 7);
  });

  it('keys limiters by a one-way tag of the credential, never the credential', () => {
    const pacer = new Pacer({ provider: 'vastai', credential: 'my-secret-key', ledger: new MemorySlotLedger() });
    expect(pacer.keyFor('create instance')).toBe(`vastai#create#${credentialTag('my-secret-key')}`);
    expect(pacer.keyFor('create instance')).not.toContain('my-secret-key');
    expect(credentialTag('a')).not.toBe(credentialTag('b'));
  });
});

describe('Pacer on a busy host', () => {
  it('gives up a slot it woke too late for and takes the next one, so the gap to the following caller stays an interval', async () => {
    const clock = fakeClock();
    const ledger = new MemorySlotLedger();
    const marginMs = 250;
    const a = new Pacer({ provider: 'vastai', credential: 'key', ledger, marginMs, ...clock });
    await a.acquire('get instance'); // slot 0, sent at once
    let late = true;
    const b = new Pacer({
      provider: 'vastai',
      credential: 'key',
      ledger,
      marginMs,
      now: clock.now,
      sleep: async (ms) => {
        clock.advance(ms + (late ? 1500 : 0)); // the timer fires 1.5 s late once
        if (late) {
          late = false;
          // meanwhile c took the slot after b's (4,500) and will be sent on time
          await ledger.reserve(a.keyFor('get instance'), { now: clock.now(), intervalMs: a.intervalMs(VAST_RULES['show']!), maxWaitMs: 60_000 });
        }
      },
    });
    await b.acquire('get instance');
    const interval = a.intervalMs(VAST_RULES['show']!);
    // not at 2,250 + 1,500 (0.75 s before c's 4,500) but at the slot after c's
    expect(clock.now() - 1_000_000).toBe(3 * interval);
  });
});

describe('Pacer with a slow ledger', () => {
  it('does not send on a slot its reservation write came back too late for', async () => {
    const clock = fakeClock();
    const memory = new MemorySlotLedger();
    let slowWrites = 1;
    // the first reservation takes 0.6 s to come back (DynamoDB under load): its slot is in the past by then
    const ledger = {
      reserve: async (key: string, request: Parameters<MemorySlotLedger['reserve']>[1]) => {
        const decision = await memory.reserve(key, request);
        if (slowWrites-- > 0) clock.advance(600);
        return decision;
      },
      penalize: memory.penalize.bind(memory),
      closedUntil: memory.closedUntil.bind(memory),
    };
    const pacer = new Pacer({ provider: 'vastai', credential: 'key', ledger, marginMs: 250, ...clock });
    await pacer.acquire('create instance');
    // not at 600 ms (350 ms late for slot 0, too close to slot 1 at 4,750), but at slot 1 itself
    expect(clock.now() - 1_000_000).toBe(pacer.intervalMs(VAST_RULES['create']!));
  });
});

describe('Pacer after a 429 elsewhere', () => {
  it('does not use a slot reserved before the penalty: it takes a new one after it', async () => {
    const clock = fakeClock();
    const ledger = new MemorySlotLedger();
    const a = new Pacer({ provider: 'vastai', credential: 'key', ledger, marginMs: 0, ...clock });
    await a.acquire('create instance'); // slot 0
    // b reserves slot 4500 and sleeps; while it sleeps another environment gets a 429 and closes the endpoint
    const b = new Pacer({
      provider: 'vastai',
      credential: 'key',
      ledger,
      marginMs: 0,
      now: clock.now,
      sleep: async (ms) => {
        clock.advance(ms / 2);
        if (clock.now() < 1_000_000 + 3000) await a.penalize('create instance');
        clock.advance(ms / 2);
      },
    });
    await b.acquire('create instance');
    // closed at 2250 for 12 s: b goes out at the first slot after 14,250, not at 4,500
    expect(clock.now()).toBeGreaterThanOrEqual(1_000_000 + 14_250);
  });
});

/** One virtual clock for many concurrent callers: a sleeper wakes when every earlier timer has fired. */
class VirtualTime {
  now = 1_000_000;
  private timers: { at: number; wake: () => void }[] = [];

  until(at: number): Promise<void> {
    return new Promise((wake) => this.timers.push({ at, wake }));
  }

  sleep = (ms: number): Promise<void> => this.until(this.now + ms);

  async run(): Promise<void> {
    for (;;) {
      // let every caller run until it sleeps again (the ledger answers in microtasks)
      await new Promise((settled) => setImmediate(settled));
      if (!this.timers.length) return;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift()!;
      this.now = Math.max(this.now, next.at);
      next.wake();
    }
  }
}

/**
 * Callers on one shared ledger, each an execution environment of its own, on one virtual clock: a caller refused with
 * a place comes back at its wake_at, as the state machine's WaitForCreateSlot does.
 */
async function simulate(
  ledger: SlotLedger,
  provider: 'vastai' | 'tensordock',
  callers: { id: number; at: number; operation: string }[],
  marginMs = 50,
) {
  const time = new VirtualTime();
  const sent: { id: number; operation: string; at: number; refusals: number }[] = [];
  const failed: number[] = [];
  const runs = callers.map(async (c) => {
    await time.until(c.at);
    const pacer = new Pacer({ provider, credential: 'key', ledger, marginMs, now: () => time.now, sleep: time.sleep });
    let place: number | undefined;
    for (let refusals = 0; ; refusals++) {
      try {
        await pacer.acquire(c.operation, undefined, place);
        sent.push({ id: c.id, operation: c.operation, at: time.now, refusals });
        return;
      } catch (err) {
        const kept = (err as ProviderPacingError).place;
        if (!kept) return void failed.push(c.id);
        place = kept.slot_at;
        await time.until(kept.wake_at);
      }
    }
  });
  await time.run();
  await Promise.all(runs);
  return { sent, failed };
}

describe('Pacer: a create keeps its place in a long queue', () => {
  it('refuses a create beyond the bound with a place kept for it, and the next create queues behind that place', async () => {
    const clock = fakeClock();
    const ledger = new MemorySlotLedger();
    const spacing = 4550; // Vast create: 4.5 s + 50 ms margin
    for (let i = 0; i < 17; i++) await ledger.reserve(`vastai#create#${credentialTag('key')}`, { now: clock.now(), intervalMs: spacing, maxWaitMs: 600_000 });
    const pacer = new Pacer({ provider: 'vastai', credential: 'key', ledger, marginMs: 50, ...clock });
    const err = (await pacer.acquire('create instance').catch((e: unknown) => e)) as ProviderPacingError;
    expect(err).toBeInstanceOf(ProviderPacingError);
    // 17 × 4.55 s = 77.35 s away, beyond the 75 s bound: kept, to come back 10 s before it
    expect(err.place).toEqual({ slot_at: 1_000_000 + 17 * spacing, wake_at: 1_000_000 + 17 * spacing - 10_000 });
    expect(clock.now()).toBe(1_000_000);
    const next = (await pacer.acquire('create instance').catch((e: unknown) => e)) as ProviderPacingError;
    expect(next.place?.slot_at).toBe(1_000_000 + 18 * spacing);
  });

  it('takes a kept place when it comes back for it, reserving nothing new', async () => {
    const clock = fakeClock();
    const ledger = new MemorySlotLedger();
    const pacer = new Pacer({ provider: 'vastai', credential: 'key', ledger, marginMs: 50, ...clock });
    const key = pacer.keyFor('create instance');
    const slotAt = 1_000_000 + 30_000;
    await ledger.reserve(key, { now: slotAt, intervalMs: 4550, maxWaitMs: 0 }); // the place, as queue() keeps it
    clock.advance(20_000);
    await pacer.acquire('create instance', undefined, slotAt);
    expect(clock.now()).toBe(slotAt);
    // the limiter's next slot is still the one after the place
    const after = await ledger.reserve(key, { now: clock.now(), intervalMs: 4550, maxWaitMs: 60_000 });
    expect(after).toMatchObject({ kind: 'slot', at: slotAt + 4550 });
  });

  it('a try that comes back early is refused with the same place; one too late for it queues anew', async () => {
    const clock = fakeClock();
    const ledger = new MemorySlotLedger();
    const pacer = new Pacer({ provider: 'vastai', credential: 'key', ledger, marginMs: 50, ...clock });
    const early = (await pacer.acquire('create instance', undefined, 1_000_000 + 100_000).catch((e: unknown) => e)) as ProviderPacingError;
    expect(early.place).toEqual({ slot_at: 1_000_000 + 100_000, wake_at: 1_000_000 + 90_000 });
    // 1 s late for a place at 999,000: the limiter is idle, so the caller goes now on a fresh slot
    await pacer.acquire('create instance', undefined, 999_000 - 1000);
    expect(clock.now()).toBe(1_000_000);
    expect(await ledger.reserve(pacer.keyFor('create instance'), { now: clock.now(), intervalMs: 4550, maxWaitMs: 60_000 })).toMatchObject({
      at: 1_000_000 + 4550,
    });
  });

  it('serves 60 Vast.ai creates arriving at once in arrival order, each refused at most once, none turned away', async () => {
    const callers = Array.from({ length: 60 }, (_, i) => ({ id: i, at: 1_000_000 + i * 10, operation: 'create instance' }));
    const { sent, failed } = await simulate(new MemorySlotLedger(), 'vastai', callers);
    expect(failed).toEqual([]);
    expect([...sent].sort((a, b) => a.at - b.at).map((s) => s.id)).toEqual(callers.map((c) => c.id));
    expect(Math.max(...sent.map((s) => s.refusals))).toBe(1);
    const times = [...sent].map((s) => s.at).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(4550);
  });

  it('TensorDock: 200 creates at once take at most half of any minute of the 100; status reads asked meanwhile wait seconds', async () => {
    const ledger = new MemorySlotLedger();
    const creates = Array.from({ length: 200 }, (_, i) => ({ id: i, at: 1_000_000 + i * 20, operation: 'create instance' }));
    // a status read every 2 s for the first three minutes, as verifications of the first sessions would ask
    const reads = Array.from({ length: 90 }, (_, i) => ({ id: 1000 + i, at: 1_000_000 + 5000 + i * 2000, operation: 'get instance' }));
    const { sent, failed } = await simulate(ledger, 'tensordock', [...creates, ...reads]);
    expect(failed).toEqual([]);
    const createTimes = sent.filter((s) => s.operation === 'create instance').map((s) => s.at).sort((a, b) => a - b);
    expect(createTimes).toHaveLength(200);
    const all = sent.map((s) => s.at).sort((a, b) => a - b);
    const mostInAMinute = (times: number[]) => Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 60_000).length));
    // the organisation's limit holds for every minute
    expect(mostInAMinute(all)).toBeLessThanOrEqual(100);
    // creates get half of it (a create the organisation's queue held up can meet the next one's slot: a few more)
    expect(mostInAMinute(createTimes)).toBeLessThanOrEqual(55);

    // creates in arrival order
    expect(sent.filter((s) => s.operation === 'create instance').sort((a, b) => a.at - b.at).map((s) => s.id)).toEqual(creates.map((c) => c.id));
    const readWaits = reads.map((r) => sent.find((s) => s.id === r.id)!.at - r.at);
    expect(Math.max(...readWaits)).toBeLessThan(2000);
  });
});
