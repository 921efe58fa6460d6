// The one description of what the application is made of. The CDK stack and the local runtime are both built
// from it, so the two can never disagree about which functions, routes, schedules and state machines exist.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a function needs wired in: each flag becomes an env var plus the least IAM grant in CDK. */
interface FunctionAccess {
  /** lookup: GetItem only (the authorizer); read: reads and queries; write: reads and writes */
  table?: 'lookup' | 'read' | 'write';
  /** state machines it may start, describe or stop */
  stateMachines?: StateMachineId[];
  /** needs the SSH key cipher (KMS in AWS) */
  secrets?: boolean;
  /** calls provider APIs (credentials from Secrets Manager in AWS) */
  providers?: boolean;
  /** moves budget holds and may publish budget alerts (the SNS topic in AWS) */
  budgetAlerts?: boolean;
  /** publishes consumer events (issue 18) on the stack's bus: EVENT_BUS_NAME and events:PutEvents on that bus */
  events?: boolean;
}

export interface FunctionSpec {
  /** PascalCase id, also the CDK construct id and the ASL substitution `${<Id>Arn}` */
  id: string;
  /** entry file, relative to the project root; it exports `handler` */
  entry: string;
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** reserved concurrency the stack sets (also the local runtime's limit); absent: the account's unreserved pool */
  reservedConcurrency?: number;
  access: FunctionAccess;
}

export interface RouteSpec {
  method: HttpMethod;
  /** API Gateway route path, e.g. /api/v1/sessions/{id} */
  path: string;
  functionId: string;
  /** false for routes reachable without an API key (health probes) */
  auth: boolean;
}

export interface ScheduleSpec {
  id: string;
  functionId: string;
  /** env var that overrides the period locally and the stack parameter default in AWS */
  periodEnv: string;
  defaultPeriodSeconds: number;
  description: string;
  /** the local runtime also fires it once at start (e.g. so a fresh start has inventory) */
  runAtLocalStart?: boolean;
}

type StateMachineId = 'Provisioning' | 'Teardown' | 'BenchmarkRun';

export interface StateMachineSpec {
  id: StateMachineId;
  /** ASL file, relative to the project root */
  definitionFile: string;
  /** env var through which functions learn its ARN */
  arnEnv: string;
  timeoutSeconds: number;
}

interface TableSpec {
  partitionKey: string;
  sortKey: string;
  ttlAttribute: string;
  indexes: { name: string; partitionKey: string; sortKey: string }[];
}

export const table: TableSpec = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
  indexes: [
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  ],
};

export const functions: FunctionSpec[] = [
  {
    id: 'HealthApi',
    entry: 'functions/http/health.ts',
    description: 'GET /health and GET /ready',
    timeoutSeconds: 5,
    memoryMb: 256,
    access: { table: 'read' },
  },
  {
    id: 'InventoryApi',
    entry: 'functions/http/inventory.ts',
    description: 'GET /api/v1/inventory and /api/v1/inventory/{id}, from stored snapshots',
    timeoutSeconds: 10,
    // holds every provider's snapshot in memory between invocations
    memoryMb: 512,
    access: { table: 'read' },
  },
  {
    id: 'OfferHealthApi',
    entry: 'functions/http/offer-health.ts',
    description: 'GET /api/v1/offer-health',
    timeoutSeconds: 5,
    memoryMb: 256,
    access: { table: 'read' },
  },
  {
    id: 'TemplatesApi',
    entry: 'functions/http/templates.ts',
    description: 'GET /api/v1/templates, /api/v1/templates/{hash_id} and /api/v1/inventory/{id}/compatible-templates, from storage',
    timeoutSeconds: 10,
    memoryMb: 256,
    access: { table: 'read' },
  },
  {
    id: 'RefreshTemplates',
    entry: 'functions/scheduled/refresh-templates.ts',
    description: 'Fetches the Vast.ai template catalog and stores it',
    timeoutSeconds: 60,
    memoryMb: 256,
    access: { table: 'write', providers: true },
  },
  {
    id: 'RefreshInventory',
    entry: 'functions/scheduled/refresh-inventory.ts',
    description: 'Fetches every provider in parallel and stores a snapshot per provider when it changed',
    timeoutSeconds: 60,
    // mostly waiting on the providers: more memory would buy CPU it does not need, every minute
    memoryMb: 256,
    access: { table: 'write', providers: true },
  },
  {
    id: 'NotFoundApi',
    entry: 'functions/http/not-found.ts',
    description: 'JSON 404 for every unknown route',
    timeoutSeconds: 5,
    memoryMb: 128,
    access: {},
  },
  {
    id: 'ApiAuthorizer',
    entry: 'functions/http/authorizer.ts',
    description: 'Lambda authorizer: checks the bearer API key of every route marked auth',
    timeoutSeconds: 5,
    memoryMb: 256,
    access: { table: 'lookup' },
  },
  {
    id: 'KeysApi',
    entry: 'functions/http/keys.ts',
    description: 'API keys: create, list, revoke (admin)',
    timeoutSeconds: 10,
    memoryMb: 256,
    access: { table: 'write' },
  },
  {
    id: 'ApiDocs',
    entry: 'functions/http/openapi.ts',
    description: 'GET /api/v1/openapi.json, generated from the zod schemas',
    timeoutSeconds: 5,
    memoryMb: 256,
    access: {},
  },
  {
    id: 'SessionsApi',
    entry: 'functions/http/sessions.ts',
    description: 'Session routes: create, list, read, events, diagnostics, done, delete, extend',
    timeoutSeconds: 15,
    memoryMb: 512,
    access: { table: 'write', secrets: true, stateMachines: ['Provisioning', 'Teardown'], budgetAlerts: true, events: true },
  },
  {
    id: 'CostsApi',
    entry: 'functions/http/costs.ts',
    description: 'Costs, refunds, summaries and budgets',
    timeoutSeconds: 15,
    memoryMb: 256,
    // a lowered limit with on_exceeded stop ends the consumer's sessions at once
    access: { table: 'write', stateMachines: ['Teardown'], budgetAlerts: true, events: true },
  },
  // provisioning state machine tasks
  task('BeginProvisioning', 'begin-provisioning', 'pending -> provisioning with the first attempt', 30, {}),
  task('CreateInstance', 'create-instance', 'rent the offer, idempotently by label', 180, { providers: true }),
  // the verification rounds mostly wait between probes: the smallest memory keeps that waiting cheap
  task('VerifySsh', 'verify-ssh', 'one round of classified SSH probes', 180, { providers: true, secrets: true }, 128),
  task('VerifyApi', 'verify-api', "one round of health probes of an entrypoint workload's server", 180, { providers: true }, 128),
  task('DestroyInstance', 'destroy-instance', 'compensation: destroy and confirm the failed attempt', 120, { providers: true }),
  task('RecordRefund', 'record-refund', 'refund the failed attempt, report the failure', 30, {}),
  task('ChooseRetryOffer', 'choose-retry-offer', 'continue on a comparable offer', 30, { budgetAlerts: true }),
  task('MarkFailed', 'mark-failed', 'end the session failed', 30, { budgetAlerts: true }),
  task('MarkDestroyFailed', 'mark-destroy-failed', 'the failed attempt could not be destroyed: page', 30, { budgetAlerts: true }),
  // teardown state machine tasks
  task('StopProvisioning', 'stop-provisioning', 'stop the provisioning execution', 30, { stateMachines: ['Provisioning'] }),
  task('DestroySessionInstances', 'destroy-session-instances', 'destroy every instance of the session and confirm', 120, {
    providers: true,
  }),
  task('CloseSession', 'close-session', 'close costs, end the session stopped', 30, { budgetAlerts: true }),
  task('MarkTeardownFailed', 'mark-teardown-failed', 'instances could not be destroyed: page', 30, { budgetAlerts: true }),
  {
    id: 'WatchesApi',
    entry: 'functions/http/watches.ts',
    description: 'Price and availability watches: create, list, read, cancel',
    timeoutSeconds: 15,
    memoryMb: 256,
    access: { table: 'write' },
  },
  {
    id: 'CheckWatches',
    entry: 'functions/scheduled/check-watches.ts',
    description: 'Matches every active watch against the stored inventory; notifies or creates the session',
    timeoutSeconds: 60,
    memoryMb: 512,
    // a create watch creates the session as the sessions API does (its key cipher, its provisioning start)
    access: { table: 'write', secrets: true, stateMachines: ['Provisioning', 'Teardown'], budgetAlerts: true, events: true },
  },
  {
    id: 'IdleCheck',
    entry: 'functions/scheduled/idle-check.ts',
    description: 'Asks running sessions with idle_stop_minutes over SSH how busy they are; ends idle ones',
    timeoutSeconds: 120,
    memoryMb: 256,
    access: { table: 'write', secrets: true, stateMachines: ['Teardown'], events: true },
  },
  {
    id: 'SessionSweep',
    entry: 'functions/scheduled/sweep-sessions.ts',
    description: 'Expiry, hard maximum, sessions stuck without a workflow, hold settlement, on_exceeded stop',
    timeoutSeconds: 60,
    memoryMb: 256,
    access: { table: 'write', stateMachines: ['Provisioning', 'Teardown'], budgetAlerts: true, events: true },
    // two sweeps at once would race each other's teardowns and settlements
    reservedConcurrency: 1,
  },
  {
    id: 'Reconcile',
    entry: 'functions/scheduled/reconcile.ts',
    description: "Destroys this deployment's orphaned instances; ends sessions whose instance vanished",
    timeoutSeconds: 240,
    memoryMb: 256,
    access: { table: 'write', providers: true, stateMachines: ['Teardown'], events: true },
    // a run may last longer than the period: two at once would see each other's destroys as orphans and ghosts
    reservedConcurrency: 1,
  },
  {
    id: 'WebhooksApi',
    entry: 'functions/http/webhooks.ts',
    description: 'Webhooks: register (secret shown once), list, read, delete, deliveries',
    timeoutSeconds: 10,
    memoryMb: 256,
    access: { table: 'write', secrets: true },
  },
  {
    id: 'WebhookDispatcher',
    entry: 'functions/events/dispatch-webhooks.ts',
    description: 'Signs and POSTs consumer events to webhooks, from the bus rule queue; records every delivery',
    // a receiver gets 10 s per attempt; a batch delivers in parallel
    timeoutSeconds: 60,
    memoryMb: 256,
    access: { table: 'write', secrets: true },
  },
  // benchmarks (issue 19)
  {
    id: 'BenchmarksApi',
    entry: 'functions/http/benchmarks.ts',
    description: 'Benchmark results: record, list, read, best, cheapest, compare, recommendations',
    timeoutSeconds: 15,
    memoryMb: 256,
    access: { table: 'write' },
  },
  {
    id: 'BenchmarkRunsApi',
    entry: 'functions/http/benchmark-runs.ts',
    description: 'Benchmark runs (start, read, cancel: ends their sessions) and benchmark schedules',
    timeoutSeconds: 15,
    memoryMb: 256,
    access: { table: 'write', stateMachines: ['BenchmarkRun', 'Teardown'], events: true },
  },
  {
    id: 'BenchmarkScheduleCheck',
    entry: 'functions/scheduled/fire-benchmark-schedules.ts',
    description: 'Starts the run each due benchmark schedule (cron) owes',
    timeoutSeconds: 60,
    memoryMb: 256,
    // no reserved concurrency: two checks at once derive the same run id per occurrence, and only one run is made
    access: { table: 'write', stateMachines: ['BenchmarkRun'] },
  },
  task('PlanBenchmarkRun', 'plan-benchmark-run', "list a benchmark run's items", 30, {}),
  // creates the item's session as the sessions API does: its key cipher, its provisioning start, its budget hold
  task('AdvanceBenchmarkItem', 'advance-benchmark-item', 'one step of a benchmark item: reserve, create, watch, end, settle', 50, {
    secrets: true,
    stateMachines: ['Provisioning', 'Teardown'],
    budgetAlerts: true,
  }),
  // mostly waiting on the command over SSH
  task('RunBenchmark', 'run-benchmark', 'the benchmark command over SSH; the figures stored', 890, { secrets: true }, 256),
  task('FinishBenchmarkRun', 'finish-benchmark-run', 'close a benchmark run', 30, {}),
];

function task(
  id: string,
  file: string,
  description: string,
  timeoutSeconds: number,
  access: FunctionAccess,
  memoryMb = 256,
): FunctionSpec {
  return {
    id,
    entry: `functions/tasks/${file}.ts`,
    description,
    timeoutSeconds,
    memoryMb,
    // every task writes sessions or their timeline: each change is a consumer event
    access: { table: 'write', events: true, ...access },
  };
}

/**
 * Consumer events (issue 18): the stack's bus, one rule (source gpu-shopper) into a queue with a DLQ, drained by the
 * dispatcher. `maxReceiveCount` is high because a message comes back once per backoff step of its slowest webhook.
 */
export const consumerEvents = {
  dispatcherFunctionId: 'WebhookDispatcher',
  source: 'gpu-shopper',
  maxReceiveCount: 50,
  retentionDays: 4,
} as const;

/** The catch-all route key API Gateway uses for anything no other route matches (public: it only answers 404). */
export const defaultRoute = { functionId: 'NotFoundApi' } as const;

/**
 * The Lambda authorizer in front of every route with `auth: true` (when API keys are on): simple responses, its
 * answer cached by API Gateway per value of the identity header.
 */
export const apiAuthorizer = { functionId: 'ApiAuthorizer', identityHeader: 'authorization' } as const;

const api = (method: HttpMethod, path: string, functionId: string): RouteSpec => ({
  method,
  path: `/api/v1${path}`,
  functionId,
  auth: true,
});

export const routes: RouteSpec[] = [
  { method: 'GET', path: '/health', functionId: 'HealthApi', auth: false },
  { method: 'GET', path: '/ready', functionId: 'HealthApi', auth: false },
  { method: 'GET', path: '/api/v1/openapi.json', functionId: 'ApiDocs', auth: false },
  api('GET', '/inventory', 'InventoryApi'),
  api('GET', '/inventory/{id}', 'InventoryApi'),
  api('GET', '/inventory/{id}/compatible-templates', 'TemplatesApi'),
  api('GET', '/templates', 'TemplatesApi'),
  api('GET', '/templates/{hash_id}', 'TemplatesApi'),
  api('GET', '/offer-health', 'OfferHealthApi'),
  api('POST', '/sessions', 'SessionsApi'),
  api('GET', '/sessions', 'SessionsApi'),
  api('GET', '/sessions/{id}', 'SessionsApi'),
  api('GET', '/sessions/{id}/events', 'SessionsApi'),
  api('GET', '/sessions/{id}/diagnostics', 'SessionsApi'),
  api('POST', '/sessions/{id}/done', 'SessionsApi'),
  api('DELETE', '/sessions/{id}', 'SessionsApi'),
  api('POST', '/sessions/{id}/extend', 'SessionsApi'),
  api('GET', '/consumers/{consumer_id}/settings', 'SessionsApi'),
  api('PUT', '/consumers/{consumer_id}/settings', 'SessionsApi'),
  api('GET', '/costs', 'CostsApi'),
  api('GET', '/costs/summary', 'CostsApi'),
  api('GET', '/budgets/{consumer_id}', 'CostsApi'),
  api('PUT', '/budgets/{consumer_id}', 'CostsApi'),
  api('DELETE', '/budgets/{consumer_id}', 'CostsApi'),
  api('POST', '/webhooks', 'WebhooksApi'),
  api('GET', '/webhooks', 'WebhooksApi'),
  api('GET', '/webhooks/{id}', 'WebhooksApi'),
  api('DELETE', '/webhooks/{id}', 'WebhooksApi'),
  api('GET', '/webhooks/{id}/deliveries', 'WebhooksApi'),
  api('POST', '/keys', 'KeysApi'),
  api('GET', '/keys', 'KeysApi'),
  api('DELETE', '/keys/{id}', 'KeysApi'),
  api('POST', '/watches', 'WatchesApi'),
  api('GET', '/watches', 'WatchesApi'),
  api('GET', '/watches/{id}', 'WatchesApi'),
  api('DELETE', '/watches/{id}', 'WatchesApi'),
  api('POST', '/benchmarks', 'BenchmarksApi'),
  api('GET', '/benchmarks', 'BenchmarksApi'),
  api('GET', '/benchmarks/best', 'BenchmarksApi'),
  api('GET', '/benchmarks/cheapest', 'BenchmarksApi'),
  api('GET', '/benchmarks/compare', 'BenchmarksApi'),
  api('GET', '/benchmarks/recommendations', 'BenchmarksApi'),
  api('GET', '/benchmarks/{id}', 'BenchmarksApi'),
  api('POST', '/benchmark-runs', 'BenchmarkRunsApi'),
  api('GET', '/benchmark-runs', 'BenchmarkRunsApi'),
  api('GET', '/benchmark-runs/{id}', 'BenchmarkRunsApi'),
  api('DELETE', '/benchmark-runs/{id}', 'BenchmarkRunsApi'),
  api('POST', '/benchmark-schedules', 'BenchmarkRunsApi'),
  api('GET', '/benchmark-schedules', 'BenchmarkRunsApi'),
  api('GET', '/benchmark-schedules/{id}', 'BenchmarkRunsApi'),
  api('PUT', '/benchmark-schedules/{id}', 'BenchmarkRunsApi'),
  api('DELETE', '/benchmark-schedules/{id}', 'BenchmarkRunsApi'),
];

export const schedules: ScheduleSpec[] = [
  {
    id: 'InventoryRefresh',
    functionId: 'RefreshInventory',
    periodEnv: 'INVENTORY_REFRESH_SECONDS',
    defaultPeriodSeconds: 60,
    description: 'Refreshes the stored inventory snapshots',
    runAtLocalStart: true,
  },
  {
    id: 'TemplateRefresh',
    functionId: 'RefreshTemplates',
    periodEnv: 'TEMPLATE_REFRESH_SECONDS',
    defaultPeriodSeconds: 3600,
    description: 'Refreshes the stored Vast.ai template catalog',
    runAtLocalStart: true,
  },
  {
    id: 'SessionSweep',
    functionId: 'SessionSweep',
    periodEnv: 'EXPIRY_SWEEP_SECONDS',
    defaultPeriodSeconds: 60,
    description: 'Ends sessions past expires_at or the hard maximum; restarts stuck workflows',
    // after a crash of the local runtime: start what a pending or stopping session still waits for
    runAtLocalStart: true,
  },
  {
    id: 'WatchCheck',
    functionId: 'CheckWatches',
    periodEnv: 'WATCH_CHECK_SECONDS',
    defaultPeriodSeconds: 60,
    description: 'Matches every active price watch against the stored inventory (one shared poll)',
  },
  {
    id: 'IdleCheck',
    functionId: 'IdleCheck',
    periodEnv: 'IDLE_CHECK_SECONDS',
    defaultPeriodSeconds: 300,
    description: 'Idle auto-stop: GPU utilisation and SSH logins of running sessions that asked for it',
  },
  {
    id: 'Reconcile',
    functionId: 'Reconcile',
    periodEnv: 'RECONCILE_SECONDS',
    defaultPeriodSeconds: 300,
    description: "Compares each provider's instances with this deployment's sessions: orphans and ghosts",
    // a local runtime restarted more often than the period would otherwise never reconcile
    runAtLocalStart: true,
  },
  {
    id: 'BenchmarkScheduleCheck',
    functionId: 'BenchmarkScheduleCheck',
    periodEnv: 'BENCHMARK_SCHEDULE_SECONDS',
    // cron expressions name minutes: a check a minute fires each occurrence in its minute
    defaultPeriodSeconds: 60,
    description: 'Starts the runs due benchmark schedules (cron) owe',
  },
];

export const stateMachines: StateMachineSpec[] = [
  {
    id: 'Provisioning',
    definitionFile: 'statemachines/provisioning.asl.json',
    arnEnv: 'PROVISIONING_STATE_MACHINE_ARN',
    timeoutSeconds: 24 * 60 * 60,
  },
  {
    id: 'Teardown',
    definitionFile: 'statemachines/teardown.asl.json',
    arnEnv: 'TEARDOWN_STATE_MACHINE_ARN',
    timeoutSeconds: 24 * 60 * 60,
  },
  {
    id: 'BenchmarkRun',
    definitionFile: 'statemachines/benchmark-run.asl.json',
    arnEnv: 'BENCHMARK_RUN_STATE_MACHINE_ARN',
    timeoutSeconds: 24 * 60 * 60,
  },
];

export function functionById(id: string): FunctionSpec {
  const spec = functions.find((f) => f.id === id);
  if (!spec) throw new Error(`app model: no function ${id}`);
  return spec;
}

/** `${CreateInstanceArn}` → `CreateInstance`: the convention that ties ASL Task resources to functions. */
export function functionIdFromResource(resource: string): string | undefined {
  return /^\$\{(\w+)Arn\}$/.exec(resource)?.[1];
}
