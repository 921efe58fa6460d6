// Starts the simulated marketplaces in a child process (sim-process.ts) and points a bench runtime at them through
// the variables a real provider uses (its URL and credential), so the runtime starts no marketplace of its own.
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { RateLimitReport } from '../../local/sim/rate-limits.ts';
import type { ScenarioInput } from '../../local/sim/scenario.ts';

const CHILD = path.join(import.meta.dirname, 'sim-process.ts');

export interface ExternalSims {
  /** VASTAI_API_URL, VASTAI_API_KEY, TENSORDOCK_API_URL, TENSORDOCK_API_TOKEN and the pacing scales */
  env: Record<string, string>;
  rateLimits(): Promise<Record<'vastai' | 'tensordock', RateLimitReport>>;
  stop(): Promise<void>;
}

function nextMessage<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`simulated marketplaces: no ${type} within ${timeoutMs / 1000} s`)), timeoutMs);
    const onMessage = (message: { type?: string }) => {
      if (message?.type === type) done(undefined, message as T);
    };
    const onExit = (code: number | null) => done(new Error(`simulated marketplaces exited (code ${code}) before ${type}`));
    function done(err?: Error, value?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value as T);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

export async function startExternalSims(scenario: ScenarioInput, rateLimitScale = 1): Promise<ExternalSims> {
  // execArgv is inherited: the child runs under the same tsx loader as this process
  const child = fork(CHILD, [JSON.stringify(scenario)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, SIM_RATE_LIMIT_SCALE: String(rateLimitScale) },
  });
  const ready = await nextMessage<{ env: Record<string, string> }>(child, 'ready', 60_000).catch((err: unknown) => {
    child.kill();
    throw err;
  });
  return {
    env: ready.env,
    async rateLimits() {
      const answer = nextMessage<Record<'vastai' | 'tensordock', RateLimitReport>>(child, 'report', 30_000);
      child.send({ type: 'report' });
      return answer;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' });
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
