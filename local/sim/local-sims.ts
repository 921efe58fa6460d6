// The local runtime's marketplaces: each provider without a real credential gets its simulated marketplace,
// and the handlers are pointed at it through the same variables a real setup uses.
import { ConfigError } from '../../shared/domain/errors.ts';
import { scenarioFromEnv } from './marketplaces.ts';
import type { Scenario } from './scenario.ts';
import { startTensorDockSim, type TensorDockSim } from './tensordock.ts';
import { startVastAiSim, type VastAiSim } from './vastai.ts';

export interface LocalSims {
  vastai?: VastAiSim;
  tensordock?: TensorDockSim;
  /** the variables that point the adapters at the simulated marketplaces */
  env: Record<string, string>;
  /** stops them, and takes their variables out of process.env again */
  stop(): Promise<void>;
}

interface LocalSimsOptions {
  /** `process.env` merged with the runtime's own overrides */
  env: NodeJS.ProcessEnv;
  /** `<DATA_DIR>/sim`, or undefined to keep the marketplaces in memory */
  dataDir?: string;
  scenario?: Scenario;
  log: (line: string) => void;
}

function port(env: NodeJS.ProcessEnv, name: string): number {
  const raw = env[name]?.trim();
  if (!raw) return 0;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(`${name} must be a TCP port, got "${raw}"`, { variable: name });
  }
  return value;
}

/**
 * The simulated marketplaces enforce the documented request limits × SIM_RATE_LIMIT_SCALE (default 1: as
 * documented; tests run them faster; 0: not enforced), and the adapters pace themselves at the same scale.
 */
function rateLimitScale(env: NodeJS.ProcessEnv): number {
  const raw = env['SIM_RATE_LIMIT_SCALE']?.trim();
  if (!raw) return 1;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new ConfigError(`SIM_RATE_LIMIT_SCALE must be a number from 0 to 1, got "${raw.slice(0, 40)}"`, { variable: 'SIM_RATE_LIMIT_SCALE' });
  }
  return value;
}

export async function startLocalSims(options: LocalSimsOptions): Promise<LocalSims> {
  const { env, log } = options;
  const scale = rateLimitScale(env);
  const pacing = (name: string) => (scale > 0 && !env[name]?.trim() ? { [name]: String(scale) } : {});
  const wantVast = !env['VASTAI_API_KEY']?.trim();
  const wantTensorDock = !env['TENSORDOCK_API_TOKEN']?.trim();
  const provided: Record<string, string> = {};
  let vastai: VastAiSim | undefined;
  let tensordock: TensorDockSim | undefined;
  const stop = async () => {
    await Promise.all([vastai?.stop(), tensordock?.stop()]);
    for (const [key, value] of Object.entries(provided)) if (process.env[key] === value) delete process.env[key];
  };

  if (!wantVast) log(`Vast.ai: real API${env['VASTAI_API_URL'] ? ` at ${env['VASTAI_API_URL']}` : ''}`);
  if (!wantTensorDock)
    log(`TensorDock: real API${env['TENSORDOCK_API_URL'] ? ` at ${env['TENSORDOCK_API_URL']}` : ''}`);
  if (!wantVast && !wantTensorDock) return { env: provided, stop };

  const scenario = options.scenario ?? scenarioFromEnv(env);
  try {
    if (wantVast) {
      vastai = await startVastAiSim({
        scenario,
        dataDir: options.dataDir,
        port: port(env, 'SIM_VASTAI_PORT'),
        rateLimitScale: scale,
      });
      Object.assign(provided, { VASTAI_API_URL: vastai.url, VASTAI_API_KEY: vastai.apiKey, ...pacing('VASTAI_PACING_SCALE') });
      log(`simulated Vast.ai marketplace at ${vastai.url} (${vastai.market.listedOffers().length} offers)`);
    }
    if (wantTensorDock) {
      tensordock = await startTensorDockSim({
        scenario,
        dataDir: options.dataDir,
        port: port(env, 'SIM_TENSORDOCK_PORT'),
        rateLimitScale: scale,
      });
      Object.assign(provided, {
        TENSORDOCK_API_URL: tensordock.url,
        TENSORDOCK_API_TOKEN: tensordock.apiKey,
        ...pacing('TENSORDOCK_PACING_SCALE'),
      });
      log(`simulated TensorDock marketplace at ${tensordock.url} (${tensordock.market.listedOffers().length} offers)`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { vastai, tensordock, env: provided, stop };
}
