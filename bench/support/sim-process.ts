// The simulated marketplaces in a process of their own (`external-sims.ts` forks it): they then time each request
// by their own event loop, not by one that also runs the API, the state machines and the pacing of 300 sessions, so a
// stall there can no longer make two requests look closer than they were sent.
import { parseScenario, type ScenarioInput } from '../../local/sim/scenario.ts';
import { startLocalSims } from '../../local/sim/local-sims.ts';

type Command = { type: 'report' } | { type: 'stop' };

const input = JSON.parse(process.argv[2] ?? '{}') as ScenarioInput;
const send = (message: unknown) => process.send?.(message);

const sims = await startLocalSims({
  env: { SIM_RATE_LIMIT_SCALE: process.env['SIM_RATE_LIMIT_SCALE'] ?? '1' },
  scenario: parseScenario(input),
  log: () => undefined,
});
send({ type: 'ready', env: sims.env });

process.on('message', async (command: Command) => {
  if (command.type === 'report') {
    send({ type: 'report', vastai: sims.vastai?.rateLimits.report(), tensordock: sims.tensordock?.rateLimits.report() });
    return;
  }
  await sims.stop();
  process.exit(0);
});
// the parent went away: do not outlive it
process.on('disconnect', () => void sims.stop().finally(() => process.exit(0)));
