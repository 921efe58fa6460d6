// The scenario format: validation, the built-in market that mirrors the field report, and large markets.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioFromEnv } from '../../local/sim/marketplaces.ts';
import {
  defaultScenario,
  loadScenarioFile,
  parseScenario,
  ScenarioError,
  tensorDockOffers,
  vastAiOffers,
} from '../../local/sim/scenario.ts';
import { startTensorDockSim } from '../../local/sim/tensordock.ts';
import { startVastAiSim } from '../../local/sim/vastai.ts';
import { PROJECT_ROOT } from '../../local/runtime.ts';
import { tensorDockClient, vastClient } from './helpers.ts';

describe('scenario validation', () => {
  it.each([
    [
      { vastai: { offers: [{ gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'X', ssh: 'sometimes' }] } },
      'vastai.offers.0.ssh',
    ],
    [
      { vastai: { offers: [{ gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'X', boot_seconds: [9, 2] }] } },
      'min ≤ max',
    ],
    [{ vastai: { offers: [{ gpu: 'RTX 4090', price: 0.3, location: 'X' }] } }, 'vastai.offers.0.vram_gb'],
    [{ tensordock: { list_envelope: 'xml' } }, 'tensordock.list_envelope'],
    [{ tensordock: { rate_limit_probability: 1.5 } }, 'tensordock.rate_limit_probability'],
    [
      { vastai: { offers: [{ gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'X', count: 0 }] } },
      'vastai.offers.0.count',
    ],
    [{ vastai: { offfers: [] } }, 'offfers'],
    [{ vastai: { hosts: { h: { ssh: 'ok', bot_seconds: 3 } } } }, 'bot_seconds'],
  ])('rejects %j, naming %s', (input, expected) => {
    expect(() => parseScenario(input)).toThrow(ScenarioError);
    expect(() => parseScenario(input)).toThrow(expected);
  });

  it('fills in defaults and resolves behaviours: offer over host over provider defaults', () => {
    const scenario = parseScenario({
      vastai: {
        defaults: { boot_seconds: 30, ssh: 'refused' },
        hosts: { flaky: { ssh: 'close_early', stop_after_seconds: 60 } },
        offers: [
          { gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'X, US' },
          { gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'X, US', host: 'flaky', count: 2 },
          {
            gpu: 'RTX 4090',
            vram_gb: 24,
            price: 0.3,
            location: 'X, US',
            host: 'flaky',
            ssh: 'ok',
            boot_seconds: [1, 2],
          },
        ],
      },
    });
    const [plain, onHost, , overridden] = vastAiOffers(scenario);
    expect(plain!.behaviour).toEqual({
      boot_seconds: [30, 30],
      ssh: 'refused',
      api: 'ok',
      api_boot_seconds: [5, 15],
      vanish_when_rented: false,
      unavailable: false,
      gpu_util: 0,
      ssh_logins: 0,
    });
    expect(onHost!.behaviour).toMatchObject({ boot_seconds: [30, 30], ssh: 'close_early', stop_after_seconds: 60 });
    expect(overridden!.behaviour).toMatchObject({ boot_seconds: [1, 2], ssh: 'ok', stop_after_seconds: 60 });
    // offers on a named host share its machine; the others each get their own
    expect(onHost!.machine_id).toBe(overridden!.machine_id);
    expect(plain!.machine_id).not.toBe(onHost!.machine_id);
    expect(scenario.tensordock).toMatchObject({ list_envelope: 'jsonapi', ip_delay_seconds: [2, 4], offers: [] });
  });

  it('reads SIM_SCENARIO files and says clearly what is wrong with one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scenario-'));
    const good = path.join(dir, 'good.json');
    writeFileSync(
      good,
      JSON.stringify({ vastai: { offers: [{ gpu: 'L40S', vram_gb: 48, price: 0.8, location: 'X, DE' }] } }),
    );
    expect(vastAiOffers(scenarioFromEnv({ SIM_SCENARIO: good })).map((o) => o.gpu)).toEqual(['L40S']);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"vastai": ');
    expect(() => loadScenarioFile(bad)).toThrow(/not JSON/);
    expect(() => loadScenarioFile(path.join(dir, 'missing.json'))).toThrow(/cannot read/);
    expect(vastAiOffers(scenarioFromEnv({})).length).toBeGreaterThan(0); // built-in
  });
});

describe('the built-in scenario mirrors the field report', () => {
  const scenario = defaultScenario();
  const vast = vastAiOffers(scenario);
  const td = tensorDockOffers(scenario);

  it('RTX 5060 Ti offers on Vast.ai boot within a few seconds and answer SSH', () => {
    const fast = vast.filter((o) => o.gpu === 'RTX 5060 Ti');
    expect(fast.length).toBeGreaterThan(3);
    for (const o of fast) {
      expect(o.behaviour.ssh).toBe('ok');
      expect(o.behaviour.boot_seconds[1]).toBeLessThanOrEqual(5);
    }
  });

  it('RTX 3090 offers on Vast.ai all sit on one host whose SSH never answers', () => {
    const broken = vast.filter((o) => o.gpu === 'RTX 3090');
    expect(broken.length).toBeGreaterThan(1);
    expect(new Set(broken.map((o) => o.machine_id)).size).toBe(1);
    for (const o of broken) expect(o.behaviour.ssh).toBe('never');
  });

  it('TensorDock listings take 3–5 s, and both markets carry other GPUs', () => {
    expect(scenario.tensordock.listing_latency_seconds).toEqual([3, 5]);
    expect(new Set(vast.map((o) => o.gpu)).size).toBeGreaterThanOrEqual(6);
    expect(new Set(td.map((o) => o.gpu)).size).toBeGreaterThanOrEqual(4);
  });

  it('keeps TensorDock quirks: duplicate location parts, tier 4, stale stock, H100s that stop at once', () => {
    expect(td.some((o) => o.location === 'Texas, Texas, United States' && o.tier === 4)).toBe(true);
    expect(td.some((o) => o.behaviour.unavailable)).toBe(true);
    expect(td.find((o) => o.v0_name === 'h100-sxm5-80gb')!.behaviour.stop_after_seconds).toBeGreaterThan(0);
  });
});

describe('large markets', () => {
  it('a count per template expresses 10,000 offers with distinct ids, and the adapter reads them all', async () => {
    const scenario = loadScenarioFile(path.join(PROJECT_ROOT, 'local/sim/scenarios/bench-10k.json'));
    const offers = vastAiOffers(scenario);
    expect(offers).toHaveLength(10_000);
    expect(new Set(offers.map((o) => o.key)).size).toBe(10_000);
    expect(scenario.vastai.listing_latency_seconds).toEqual([5, 5]);

    scenario.vastai.listing_latency_seconds = [0, 0]; // the benchmark measures the 5 s; this test does not wait for it
    const sim = await startVastAiSim({ scenario });
    try {
      const listed = await vastClient(sim).listOffers();
      expect(listed).toHaveLength(10_000);
      expect(new Set(listed.map((o) => o.id)).size).toBe(10_000);
    } finally {
      await sim.stop();
    }
  });

  it('TensorDock locations with several GPUs group by location id', async () => {
    const location_id = '11111111-2222-4333-8444-555555555555';
    const scenario = parseScenario({
      tensordock: {
        offers: [
          {
            gpu: 'NVIDIA A40 PCIe 48GB',
            vram_gb: 48,
            price: 0.45,
            location: 'Dallas, Texas, United States',
            location_id,
          },
          {
            gpu: 'NVIDIA L4 PCIe 24GB',
            vram_gb: 24,
            price: 0.25,
            location: 'Dallas, Texas, United States',
            location_id,
          },
        ],
      },
    });
    const sim = await startTensorDockSim({ scenario });
    try {
      const res = await fetch(`${sim.url}/locations`, { headers: { authorization: `Bearer ${sim.apiKey}` } });
      const body = (await res.json()) as { data: { locations: { id: string; gpus: { v0Name: string }[] }[] } };
      expect(body.data.locations).toHaveLength(1);
      expect(body.data.locations[0]!.gpus.map((g) => g.v0Name)).toEqual(['a40-pcie-48gb', 'l4-pcie-24gb']);
      expect((await tensorDockClient(sim).listOffers()).map((o) => o.gpu_type)).toEqual(['A40', 'L4']);
    } finally {
      await sim.stop();
    }
  });
});
