// The simulated marketplaces enforce the providers' documented limits: 429 exactly when a client breaks a rule (an
// interval, a penalty, a per-minute window), every other request passes, and each violation is counted.
import { afterEach, describe, expect, it } from 'vitest';
import { tensorDockRateLimits, vastRateLimits } from '../../local/sim/rate-limits.ts';
import { parseScenario } from '../../local/sim/scenario.ts';
import { startTensorDockSim, type TensorDockSim } from '../../local/sim/tensordock.ts';
import { startVastAiSim, type VastAiSim } from '../../local/sim/vastai.ts';
import { MemorySlotLedger, Pacer } from '../../shared/adapters/providers/pacer.ts';
import { TensorDockClient } from '../../shared/adapters/providers/tensordock.ts';
import { VastAiClient } from '../../shared/adapters/providers/vastai/client.ts';

function clock() {
  let t = 10_000;
  return {
    now: () => t,
    at(ms: number) {
      t = 10_000 + ms;
    },
  };
}

describe('documented limits, on a fake clock', () => {
  it('Vast create: 429 exactly inside 4.5 s of the last accepted create, then closed for the 12 s penalty', () => {
    const c = clock();
    const limits = vastRateLimits(1, c.now);
    const ok = (ms: number, endpoint = 'create', who = 'key:a') => {
      c.at(ms);
      return limits.check(endpoint, who) === undefined;
    };
    expect(ok(0)).toBe(true);
    expect(ok(4500)).toBe(true); // exactly the interval: allowed
    expect(ok(8999)).toBe(false); // 4.499 s after the last accepted one: broken
    // the violation closed the endpoint for 12 s: even a request past the interval is refused until 20.999 s
    expect(ok(20_998)).toBe(false);
    expect(ok(33_000)).toBe(true);
    // another key, and another endpoint, are counted apart
    expect(ok(33_001, 'create', 'key:b')).toBe(true);
    expect(ok(33_002, 'show')).toBe(true);
    expect(ok(35_001, 'show')).toBe(false);
    expect(ok(35_002, 'show')).toBe(true);
    const report = limits.report();
    expect(report.violations).toBe(3);
    const create = report.endpoints.find((e) => e.endpoint === 'create')!;
    expect(create).toMatchObject({ seen: 6, accepted: 4, violations: 2, violations_after_first_second: 2, min_gap_ms: 4500 });
    // per second over every identity: keys a and b each sent one create in second 23
    expect(create.max_accepted_per_second).toBe(2);
  });

  it('Vast offer search: 10 a minute, any 10 within the minute, the 11th refused', () => {
    const c = clock();
    const limits = vastRateLimits(1, c.now);
    for (let i = 0; i < 10; i++) {
      c.at(i * 100);
      expect(limits.check('search_offers', 'ip:x')).toBeUndefined();
    }
    c.at(59_999);
    expect(limits.check('search_offers', 'ip:x')?.status).toBe(429);
    c.at(60_000);
    expect(limits.check('search_offers', 'ip:x')).toBeUndefined();
    expect(limits.report().endpoints.find((e) => e.endpoint === 'search_offers')!.max_accepted_per_window).toBe(10);
  });

  it('TensorDock: 100 a minute per organisation over every endpoint, 429 on the 101st', () => {
    const c = clock();
    const limits = tensorDockRateLimits(1, c.now);
    for (let i = 0; i < 100; i++) {
      c.at(i * 10);
      expect(limits.check('all', 'org:t')).toBeUndefined();
    }
    expect(limits.check('all', 'org:t')?.status).toBe(429);
    expect(limits.check('all', 'org:other')).toBeUndefined();
    c.at(60_000);
    expect(limits.check('all', 'org:t')).toBeUndefined();
    expect(limits.report()).toMatchObject({ violations: 1 });
  });

  it('scales the rules for fast tests, and 0 records without enforcing', () => {
    const c = clock();
    const fast = vastRateLimits(0.01, c.now);
    fast.check('create', 'k');
    c.at(44);
    expect(fast.check('create', 'k')?.status).toBe(429);
    c.at(44 + 120);
    expect(fast.check('create', 'k')).toBeUndefined();
    const off = vastRateLimits(0, c.now);
    expect(off.check('create', 'k')).toBeUndefined();
    expect(off.check('create', 'k')).toBeUndefined();
    expect(off.report().endpoints.find((e) => e.endpoint === 'create')!.accepted).toBe(2);
  });
});

describe('over HTTP, against the real adapters', () => {
  const running: (VastAiSim | TensorDockSim)[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });

  const SCALE = 0.05; // show instance: 100 ms, create 225 ms

  it('an unpaced client gets 429s from the simulated Vast.ai; the pacer at the same scale gets none', async () => {
    const sim = await startVastAiSim({
      scenario: parseScenario({ vastai: { offers: [{ gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'Texas, US', count: 1 }] } }),
      rateLimitScale: SCALE,
    });
    running.push(sim);
    // twenty status reads at once, no pacing
    const raw = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${sim.url}/instances/1/`, { headers: { authorization: `Bearer ${sim.apiKey}` } })),
    );
    const refused = raw.filter((r) => r.status === 429).length;
    expect(refused).toBeGreaterThanOrEqual(10);
    const violationsBefore = sim.rateLimits.report().violations;
    expect(violationsBefore).toBe(refused);

    await new Promise((r) => setTimeout(r, 400));
    const ledger = new MemorySlotLedger();
    // three clients, as three environments would hold them, sharing one ledger
    const clients = Array.from(
      { length: 3 },
      () => new VastAiClient({ apiKey: sim.apiKey, baseUrl: sim.url, limiter: new Pacer({ provider: 'vastai', credential: sim.apiKey, ledger, scale: SCALE }) }),
    );
    await Promise.all(clients.flatMap((c) => [1, 2, 3].map(() => c.getInstance('1').catch(() => undefined))));
    expect(sim.rateLimits.report().violations).toBe(violationsBefore);
    expect(sim.rateLimits.report().endpoints.find((e) => e.endpoint === 'show')!.min_gap_ms).toBeGreaterThanOrEqual(100);
  });

  it('the simulated TensorDock refuses the 101st request of a minute', async () => {
    const sim = await startTensorDockSim({ scenario: parseScenario({}), rateLimitScale: 1 });
    running.push(sim);
    const client = new TensorDockClient({
      apiToken: sim.apiKey,
      baseUrl: sim.url,
      limiter: new Pacer({ provider: 'tensordock', credential: sim.apiKey, ledger: new MemorySlotLedger(), scale: 0.001, marginMs: 0 }),
      http: { sleep: async () => undefined, rateLimitBackoff: { retries: 0, baseMs: 1, maxMs: 1 } },
    });
    const results = [];
    for (let i = 0; i < 101; i++) results.push(await client.getInstance('00000000-0000-0000-0000-000000000000').then(() => 'ok', (e: Error) => e.name));
    expect(results.slice(0, 100)).not.toContain('ProviderRateLimitedError');
    expect(results[100]).toBe('ProviderRateLimitedError');
    expect(sim.rateLimits.report().violations).toBe(1);
  });
});
