// Wiring of the idle check once per process.
import { Ssh2CommandRunner } from '../adapters/ssh/command-runner.ts';
import { config, isDeployed } from '../config.ts';
import { logger } from '../observability/powertools.ts';
import type { IdleCheckDeps } from '../use-cases/sessions/idle-check.ts';
import { sharedConsumerEventBus } from './consumer-events.ts';
import { secretCipherFromEnv } from './secret-cipher.ts';
import { sharedStores, sharedWorkflows, systemClock } from './shared-clients.ts';

/** Local-only: accelerated runs shorten the idle minute (IDLE_MINUTE_SECONDS); a deployed function uses 60 s. */
const idleMinuteMs = () => (isDeployed() ? 60_000 : config().get('IDLE_MINUTE_SECONDS') * 1000);

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
    timeoutMs: config().get('IDLE_PROBE_TIMEOUT_MS'),
    minuteMs: idleMinuteMs(),
    onError: (sessionId, err) => logger.warn('idle check could not ask the instance', { session_id: sessionId, error: err as Error }),
  };
}
