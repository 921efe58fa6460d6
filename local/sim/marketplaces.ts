// Both simulated marketplaces, started together (or one of them, when the other provider is real).
import type { SimInstanceView } from './market.ts';
import { defaultScenario, loadScenarioFile, type Scenario } from './scenario.ts';
import { startTensorDockSim, type TensorDockSim } from './tensordock.ts';
import { startVastAiSim, type VastAiSim } from './vastai.ts';

export type { TensorDockSim } from './tensordock.ts';
export type { VastAiSim } from './vastai.ts';

interface SimulatedMarketplacesOptions {
  /** the built-in scenario when absent */
  scenario?: Scenario;
  /** where instances are kept across restarts; in memory only when absent */
  dataDir?: string;
  /** 0 or absent: a free port */
  vastaiPort?: number;
  tensordockPort?: number;
}

export interface SimulatedMarketplaces {
  vastai: VastAiSim;
  tensordock: TensorDockSim;
  /** every instance of both, live or not */
  instances(): SimInstanceView[];
  stop(): Promise<void>;
}

export async function startSimulatedMarketplaces(
  options: SimulatedMarketplacesOptions = {},
): Promise<SimulatedMarketplaces> {
  const scenario = options.scenario ?? defaultScenario();
  const vastai = await startVastAiSim({ scenario, dataDir: options.dataDir, port: options.vastaiPort });
  let tensordock: TensorDockSim;
  try {
    tensordock = await startTensorDockSim({ scenario, dataDir: options.dataDir, port: options.tensordockPort });
  } catch (err) {
    await vastai.stop();
    throw err;
  }
  return {
    vastai,
    tensordock,
    instances: () => [...vastai.instances(), ...tensordock.instances()],
    async stop() {
      await Promise.all([vastai.stop(), tensordock.stop()]);
    },
  };
}

/** The scenario named by SIM_SCENARIO (a JSON file), else the built-in one. */
export function scenarioFromEnv(env: NodeJS.ProcessEnv = process.env): Scenario {
  const file = env['SIM_SCENARIO']?.trim();
  return file ? loadScenarioFile(file) : defaultScenario();
}
