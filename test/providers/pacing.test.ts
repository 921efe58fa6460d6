// The shared pacing's slot arithmetic and the pacer on a fake clock: which slot each caller gets, when a caller is
// turned away instead of sleeping, and what a 429 does to the endpoint.
import { describe, expect, it } from 'vitest';
import { MemorySlotLedger, Pacer, credentialTag } from '../../shared/adapters/providers/pacer.ts';
import { TENSORDOCK_RULE, VAST_RULES, pacingRuleFor } from '../../shared/adapters/providers/pacing-rules.ts';
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
    // 100 a minute
    expect(TENSORDOCK_RULE.intervalMs * TENSORDOCK_RULE.window!.requests).toBe(60_000);
    for (const rule of Object.values(VAST_RULES)) expect(rule.maxWaitMs).toBeLessThan(120_000);
  });
});

describe('Pacer', () => {
  it('spreads the margin over a window rule, so 101 requests always span more than the minute', () => {
    const td = new Pacer({ provider: 'tensordock', credential: 't', ledger: new MemorySlotLedger(), marginMs: 250 });
    const spacing = td.intervalMs(TENSORDOCK_RULE);
    expect(spacing).toBe(603);
    // the first request 250 ms late, the 101st on time: still more than 60 s apart
    expect(100 * spacing - 250).toBeGreaterThan(60_000);
    expect(td.intervalMs(VAST_RULES['create']!)).toBe(4750);
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
    // 17 other environments have reserved creates: the next slot is 17 × 4.55 s = 77 s away, beyond the 75 s bound
    const others = Array.from(
      { length: 17 },
      () => new Pacer({ provider: 'vastai', credential, ledger, marginMs: 50, sleep: async () => {}, now: clock.now }),
    );
    for (const other of others) await other.acquire('create instance');
    const pacer = new Pacer({ provider: 'vastai', credential, ledger, marginMs: 50, ...clock });
    const err = await pacer.acquire('create instance').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderPacingError);
    expect((err as Error).name).toBe('ProviderPacingError');
    expect(JSON.stringify({ m: (err as Error).message, d: (err as ProviderPacingError).details })).not.toContain(credential);
    expect(clock.now()).toBe(1_000_000); // it did not sleep
    // and it reserved nothing: once the queue has moved on by one slot, the next caller waits 75 s, not 79.6 s
    clock.advance(4550);
    const before = clock.now();
    await pacer.acquire('create instance');
    expect(clock.now() - before).toBe(17 * 4550 - 4550);
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
