// The embedded runtime: DynamoDB Local, the local Step Functions service, the local scheduler and the local API
// gateway, all wired from the app model to the same handlers that run in AWS.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiAuthorizer, functions, type ScheduleSpec, schedules, stateMachines } from '../shared/app-model.ts';
import { ConfigError } from '../shared/domain/errors.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { LocalEventBus } from './event-bus.ts';
import { abortTeardowns, type CrashCounts, failingTasks, randomCrashes, type TeardownFaultCounts } from './fault-knobs.ts';
import { freePort } from './free-port.ts';
import { type Authorizer, LocalHttpServer } from './http-server.ts';
import { LocalLambdaAuthorizer } from './lambda-authorizer.ts';
import { type EnvironmentMode, LambdaHost } from './lambda-host.ts';
import { removeRuntimeFile, writeRuntimeFile } from './runtime-file.ts';
import { PRIVATE_DIR_MODE, restrictFiles } from './private-files.ts';
import { LocalScheduler } from './scheduler.ts';
import { type LocalSims, startLocalSims } from './sim/local-sims.ts';
import type { Scenario } from './sim/scenario.ts';
import { LocalStepFunctions } from './step-functions.ts';
import { ensureTable } from './table-setup.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface LocalRuntimeOptions {
  host?: string;
  /** 0 picks a free port */
  port?: number;
  dataDir: string;
  /** keep DynamoDB in memory instead of under dataDir (tests) */
  inMemory?: boolean;
  /** use an already running DynamoDB (tests share one) */
  dynamoDbEndpoint?: string;
  tableName?: string;
  deploymentId?: string;
  /** seconds per schedule id; falls back to the schedule's env var, then its default */
  schedulePeriods?: Record<string, number>;
  /** false: no timers at all (tests fire schedules by hand) */
  schedules?: boolean;
  waitTimeOverrides?: Record<string, number>;
  retryIntervalOverrides?: Record<string, number | number[]>;
  /** every Retry pause of every state machine, in ms, unless retryIntervalOverrides names the state (accelerated runs) */
  retryIntervalMs?: number;
  /** local fault knob: chance that a state-machine task invocation crashes (Lambda.Unknown), before or after its work */
  taskCrashRate?: number;
  /** local fault knob: task functions that fail for good (their first invocations, past every Retry) for a share of sessions */
  failTasks?: { functionIds: string[]; share: number; times: number };
  /** local fault knob: chance that a running teardown execution is stopped (ABORTED) */
  abortTeardownRate?: number;
  /** extra environment for the handlers (set before any handler module loads) */
  env?: Record<string, string>;
  /** `api-key`: every route marked auth needs a key, checked by the real authorizer handler (default: AUTH_MODE, else none) */
  authMode?: 'api-key' | 'none';
  /** how long an authorizer answer is cached per Authorization header (default: AUTH_CACHE_SECONDS, else 60) */
  authCacheSeconds?: number;
  /** replaces the Lambda authorizer (tests) */
  authorizer?: Authorizer;
  log?: (line: string) => void;
  /** scenario of the simulated marketplaces (default: the file in SIM_SCENARIO, else the built-in one) */
  simScenario?: Scenario;
  /** execution environments per function (threads, the default) or every handler in this process (LOCAL_LAMBDA_ENVIRONMENTS) */
  lambdaEnvironments?: EnvironmentMode;
  /** idle environments are reaped after this long (default LOCAL_LAMBDA_IDLE_SECONDS, else 60) */
  lambdaIdleSeconds?: number;
}

export interface LocalRuntime {
  url: string;
  dataDir: string;
  deploymentId: string;
  tableName: string;
  dynamoDbEndpoint: string;
  stepFunctionsEndpoint: string;
  authMode: 'api-key' | 'none';
  lambdas: LambdaHost;
  stepFunctions: LocalStepFunctions;
  scheduler: LocalScheduler;
  /** the consumer-event bus, its rule and the webhook delivery queue (issue 18) */
  events: LocalEventBus;
  /** the simulated marketplaces of the providers without a real credential */
  sims: LocalSims;
  /** injected task crashes so far, when taskCrashRate is set */
  crashes?: CrashCounts;
  stop(): Promise<void>;
}

/** The deployment id is created on first start and kept in DATA_DIR, so a restart keeps recognising its instances. */
function loadDeploymentId(dataDir: string, given?: string): string {
  if (given) return given;
  const file = path.join(dataDir, 'deployment-id');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored) return stored;
  }
  const created = `local-${randomBytes(4).toString('hex')}`;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${created}\n`);
  return created;
}

function resolveAuthMode(given?: string): 'api-key' | 'none' {
  const mode = given ?? process.env['AUTH_MODE']?.trim() ?? 'none';
  if (mode !== 'api-key' && mode !== 'none') throw new Error(`AUTH_MODE must be api-key or none, got "${mode}"`);
  return mode;
}

function schedulePeriod(spec: ScheduleSpec, overrides: Record<string, number> = {}): number {
  const fromEnv = Number(process.env[spec.periodEnv]);
  return overrides[spec.id] ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : spec.defaultPeriodSeconds);
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const crashRate = options.taskCrashRate ?? 0;
  if (!(crashRate >= 0 && crashRate <= 1)) {
    throw new ConfigError(`LOCAL_FAULT_CRASH_RATE must be between 0 and 1, got ${crashRate}`, { variable: 'LOCAL_FAULT_CRASH_RATE' });
  }
  const host = options.host ?? '127.0.0.1';
  const dataDir = path.resolve(options.dataDir);
  // a new DATA_DIR is the owner's alone (one the operator made keeps its mode: its files are private anyway)
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const deploymentId = loadDeploymentId(dataDir, options.deploymentId);
  const tableName = options.tableName ?? 'gpu-shopper';
  const authMode = resolveAuthMode(options.authMode ?? options.env?.['AUTH_MODE']);
  const authCacheSeconds =
    options.authCacheSeconds ?? Number(options.env?.['AUTH_CACHE_SECONDS'] ?? process.env['AUTH_CACHE_SECONDS'] ?? 60);
  if (!Number.isFinite(authCacheSeconds) || authCacheSeconds < 0) throw new Error('AUTH_CACHE_SECONDS must be a number ≥ 0');
  // a provider without a real credential is served by its simulated marketplace
  const sims = await startLocalSims({
    env: { ...process.env, ...options.env },
    dataDir: options.inMemory ? undefined : path.join(dataDir, 'sim'),
    scenario: options.simScenario,
    log,
  });

  // Every handler reads its configuration from the environment at module load, exactly as in Lambda, so the
  // endpoints are chosen first and handlers are only imported afterwards.
  const ddbPort = options.dynamoDbEndpoint ? undefined : await freePort(host);
  const dynamoDbEndpoint = options.dynamoDbEndpoint ?? `http://127.0.0.1:${ddbPort}`;
  const maxEnvironments = options.env?.['LOCAL_LAMBDA_MAX_ENVIRONMENTS'];
  const lambdas = new LambdaHost(PROJECT_ROOT, {
    mode: options.lambdaEnvironments,
    idleSeconds: options.lambdaIdleSeconds,
    ...(maxEnvironments === undefined ? {} : { maxEnvironments: Number(maxEnvironments) }),
  });
  const stepFunctions = new LocalStepFunctions({
    lambdas,
    projectRoot: PROJECT_ROOT,
    machines: stateMachines,
    dataDir: options.inMemory ? undefined : path.join(dataDir, 'stepfunctions'),
    waitTimeOverrides: options.waitTimeOverrides,
    retryIntervalOverrides: options.retryIntervalOverrides,
    retryIntervalMs: options.retryIntervalMs,
  });
  const teardownFaults = Boolean(options.failTasks?.functionIds.length || options.abortTeardownRate);
  const crashes =
    crashRate > 0 || teardownFaults ? randomCrashes(crashRate, stepFunctions.taskFunctionIds()) : undefined;
  let endAborts: () => void = () => undefined;
  if (crashes) {
    lambdas.faults = crashes.faults;
    if (crashRate > 0) log(`local fault knob: state-machine tasks crash at random (rate ${crashRate})`);
  }
  if (crashes && teardownFaults) {
    const counts: TeardownFaultCounts = { failed_tasks: 0, failing_sessions: 0, teardowns_aborted: 0 };
    crashes.counts.teardown = counts;
    const fail = options.failTasks;
    if (fail?.functionIds.length) {
      const unknown = fail.functionIds.filter((id) => !stepFunctions.taskFunctionIds().includes(id));
      if (unknown.length > 0) {
        throw new ConfigError(`LOCAL_FAULT_FAIL_TASKS names no task function: ${unknown.join(', ')}`, { variable: 'LOCAL_FAULT_FAIL_TASKS' });
      }
      const failing = failingTasks(fail.functionIds, fail.share, fail.times, counts);
      const random = crashes.faults.crashBefore!;
      // a deliberate failure is counted apart from the random crashes
      lambdas.faults = { ...crashes.faults, crashBefore: (fn, event) => failing(fn, event) || random(fn, event) };
      log(`local fault knob: ${fail.functionIds.join(', ')} fail for good for ${fail.share * 100}% of sessions`);
    }
    if (options.abortTeardownRate) {
      endAborts = abortTeardowns(stepFunctions, options.abortTeardownRate, counts);
      log(`local fault knob: running teardown executions stopped at random (rate ${options.abortTeardownRate})`);
    }
  }
  const stepFunctionsEndpoint = await stepFunctions.listen(host);
  const events = new LocalEventBus({ lambdas });
  await events.listen(host);

  Object.assign(process.env, {
    GPU_SHOPPER_LOCAL: '1',
    AWS_REGION: stepFunctions.region,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: dynamoDbEndpoint,
    SFN_ENDPOINT: stepFunctionsEndpoint,
    DEPLOYMENT_ID: deploymentId,
    DATA_DIR: dataDir,
    APP_VERSION: readVersion(),
    AUTH_MODE: authMode,
    ...sims.env,
    ...events.env(),
    ...Object.fromEntries(stateMachines.map((m) => [m.arnEnv, stepFunctions.stateMachineArn(m.id)])),
    ...options.env,
  });

  let starting: string | undefined = 'starting: DynamoDB Local';
  const server = new LocalHttpServer({
    host,
    port: options.port ?? 8080,
    lambdas,
    startingMessage: () => starting,
    authorizer:
      options.authorizer ??
      (authMode === 'api-key'
        ? new LocalLambdaAuthorizer({
            lambdas,
            functionId: apiAuthorizer.functionId,
            identityHeader: apiAuthorizer.identityHeader,
            cacheSeconds: authCacheSeconds,
          })
        : undefined),
  });
  const url = await server.listen();
  log(`API listening on ${url} (starting)`);

  let ddb: DynamoDbLocal | undefined;
  const scheduler = new LocalScheduler({
    lambdas,
    schedules,
    periodSeconds: (spec) => schedulePeriod(spec, options.schedulePeriods),
  });
  const stop = async () => {
    starting = 'stopping';
    endAborts();
    removeRuntimeFile(dataDir);
    await scheduler.stop();
    await server.close();
    await stepFunctions.close();
    await events.stop();
    await lambdas.close();
    await ddb?.stop();
    await sims.stop();
  };

  try {
    if (ddbPort !== undefined) {
      ddb = await startDynamoDbLocal({
        port: ddbPort,
        dataDir: options.inMemory ? undefined : path.join(dataDir, 'dynamodb'),
      });
    }
    await ensureTable(dynamoDbEndpoint, tableName);
    // DynamoDB Local (Java) creates its database with the umask's mode: it holds sessions and their commands
    if (ddbPort !== undefined && !options.inMemory) restrictFiles(path.join(dataDir, 'dynamodb'));
    log(`DynamoDB Local at ${dynamoDbEndpoint}, table ${tableName}`);
    starting = 'starting: loading handlers';
    await lambdas.preload(functions.map((f) => f.id));
    const resumed = stepFunctions.resumeInterrupted();
    if (resumed) log(`resumed ${resumed} execution(s) interrupted by the last stop`);
    if (options.schedules !== false) scheduler.start();
    starting = undefined;
    writeRuntimeFile(dataDir, {
      pid: process.pid,
      url,
      deployment_id: deploymentId,
      table_name: tableName,
      dynamodb_endpoint: dynamoDbEndpoint,
      sim_env: sims.env,
    });
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url,
    dataDir,
    deploymentId,
    tableName,
    dynamoDbEndpoint,
    stepFunctionsEndpoint,
    authMode,
    lambdas,
    stepFunctions,
    scheduler,
    events,
    sims,
    crashes: crashes?.counts,
    stop,
  };
}

function readVersion(): string {
  return (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
