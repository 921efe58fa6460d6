// Wiring of the idle check once per process.
import { secretCipherFromEnv } from '../adapters/secrets/secret-cipher-from-env.ts';
import { Ssh2CommandRunner } from '../adapters/ssh/command-runner.ts';
import { isDeployed, numberEnv } from '../config.ts';
import { logger } from '../observability/powertools.ts';
import type { IdleCheckDeps } from '../use-cases/sessions/idle-check.ts';
import { sharedConsumerEventBus } from './consumer-events.ts';
import { sharedStores, sharedWorkflows, systemClock } from './shared-clients.ts';

/** Local-only: accelerated runs shorten the idle minute (IDLE_MINUTE_SECONDS); a deployed function uses 60 s. */
const idleMinuteMs = () => (isDeployed() ? 60_000 : numberEnv('IDLE_MINUTE_SECONDS', 60, { min: 1 }) * 1000);

export function idleCheckDeps(): IdleCheckDeps {
  const { sessions, events } = sharedStores();
  return {
    sessions,
    events,
    workflows: sharedWorkflows(),
    clock: systemClock,
    cipher: secretCipherFromEnv(),
    ssh: new Ssh2CommandRunner(),
    bus: sharedConsumerEventBus(),
    timeoutMs: numberEnv('IDLE_PROBE_TIMEOUT_MS', 15_000, { min: 1000 }),
    minuteMs: idleMinuteMs(),
    onError: (sessionId, err) => logger.warn('idle check could not ask the instance', { session_id: sessionId, error: err as Error }),
  };
}
