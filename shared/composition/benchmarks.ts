// Wiring of the benchmark routes, the benchmark-run tasks and the schedule check, once per process.
import { randomUUID } from 'node:crypto';
import { DynamoBenchmarkRunStore, DynamoBenchmarkScheduleStore } from '../adapters/dynamodb/benchmark-store.ts';
import { Ssh2CommandRunner } from '../adapters/ssh/command-runner.ts';
import { createSfnClient, SfnBenchmarkWorkflow } from '../adapters/step-functions/sfn-workflows.ts';
import { config } from '../config.ts';
import { logger } from '../observability/powertools.ts';
import type { AdvanceDeps, RunBenchmarkDeps } from '../use-cases/benchmarks/benchmark-runs.ts';
import type { FireDeps } from '../use-cases/benchmarks/benchmark-schedules.ts';
import { createSession } from '../use-cases/sessions/create-session.ts';
import { benchmarkResults } from './benchmark-results.ts';
import { localEndpoint } from './endpoints.ts';
import { secretCipherFromEnv } from './secret-cipher.ts';
import { sessionsApiDeps } from './sessions-api.ts';
import { sharedStores, sharedWorkflows, systemClock } from './shared-clients.ts';

let stores: ReturnType<typeof createStores> | undefined;

function createStores() {
  const { db, tableName } = sharedStores();
  return {
    results: benchmarkResults(),
    runs: new DynamoBenchmarkRunStore(db, tableName),
    schedules: new DynamoBenchmarkScheduleStore(db, tableName),
    workflow: new SfnBenchmarkWorkflow(
      createSfnClient(localEndpoint('SFN_ENDPOINT', 'us-east-1')),
      config().get('BENCHMARK_RUN_STATE_MACHINE_ARN'),
    ),
  };
}

export function benchmarkStores() {
  stores ??= createStores();
  return stores;
}

/** The run and schedule routes: starting runs, and cancelling them (which ends their sessions). */
export function benchmarkRunsApiDeps() {
  const { sessions, events } = sharedStores();
  return { ...benchmarkStores(), sessions, events, workflows: sharedWorkflows(), clock: systemClock };
}

export function advanceItemDeps(): AdvanceDeps {
  const sessionDeps = sessionsApiDeps();
  return {
    runs: benchmarkStores().runs,
    sessions: sessionDeps.sessions,
    events: sessionDeps.events,
    workflows: sessionDeps.workflows,
    inventory: sessionDeps.inventory,
    clock: systemClock,
    // the same use case as POST /sessions, with the same wiring: provisioning machine, holds, refunds
    createSession: async (req) => (await createSession(sessionDeps, req)).session,
    defaultDiskGb: sessionDeps.defaultDiskGb,
    pollSeconds: config().get('BENCHMARK_POLL_SECONDS'),
    provisionDeadlineMs: config().get('BENCHMARK_PROVISION_DEADLINE_SECONDS') * 1000,
    settleDeadlineMs: config().get('BENCHMARK_SETTLE_DEADLINE_SECONDS') * 1000,
  };
}

export function runBenchmarkDeps(): RunBenchmarkDeps {
  const { sessions } = sharedStores();
  const { runs, results } = benchmarkStores();
  return {
    runs,
    results,
    sessions,
    cipher: secretCipherFromEnv(),
    ssh: new Ssh2CommandRunner(),
    clock: systemClock,
    // within the task's own timeout (app model: 900 s), with room to record the outcome
    timeoutMs: Math.min(840, config().get('BENCHMARK_COMMAND_TIMEOUT_SECONDS')) * 1000,
    newId: randomUUID,
  };
}

export function fireSchedulesDeps(): FireDeps {
  const { runs, schedules, workflow } = benchmarkStores();
  return {
    runs,
    schedules,
    workflow,
    clock: systemClock,
    onError: (scheduleId, err) => logger.warn('benchmark schedule could not start its run', { schedule_id: scheduleId, error: err as Error }),
  };
}
