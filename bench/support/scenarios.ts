// Scenarios of the simulated marketplaces the sections run against.
import path from 'node:path';
import { PROJECT_ROOT } from '../../local/runtime.ts';
import { loadScenarioFile, parseScenario, type Scenario } from '../../local/sim/scenario.ts';

/** 10,000 Vast.ai and 100 TensorDock offers; each listing takes 5 s. */
export function bench10k(): Scenario {
  return loadScenarioFile(path.join(PROJECT_ROOT, 'local/sim/scenarios/bench-10k.json'));
}

/**
 * One Vast.ai offer per boot time, each on its own host, priced in the same order (0.1 + i/1000 $/h), so the i-th
 * cheapest offer of the inventory boots in `bootSeconds[i]`. TensorDock lists nothing.
 */
export function bootScenario(bootSeconds: number[]): Scenario {
  return parseScenario({
    seed: 5,
    vastai: {
      offers: bootSeconds.map((boot, i) => ({
        gpu: 'RTX 4090',
        vram_gb: 24,
        price: priceOfBootOffer(i),
        location: 'Texas, US',
        boot_seconds: boot,
      })),
    },
    tensordock: {},
  });
}

const priceOfBootOffer = (i: number) => Math.round((0.1 + i / 1000) * 1000) / 1000;

/** `n` values spread evenly over [from, to]. */
export function spread(n: number, from: number, to: number): number[] {
  if (n === 1) return [to];
  return Array.from({ length: n }, (_, i) => Math.round((from + ((to - from) * i) / (n - 1)) * 10) / 10);
}
