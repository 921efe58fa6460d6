// The one place that reads the environment. ENVIRONMENT names every variable the shared code and the handlers read
// (and those the stack, the local runtime or a library sets on a function), with its default and a line of meaning;
// the composition roots (shared/composition/) ask config() for values and hand plain options to the adapters.
//
// Values are checked when asked for, not all at cold start: a function fails on what IT needs (VerifySsh without
// DELIVERY_QUEUE_URL still starts), with the same ConfigError as ever. Each variable's text is parsed once and kept
// while it stays the same; the view is live because the local runtime and the tests re-point process.env at new
// endpoints in the same process (as a restarted runtime does), and a warm function must then see the new values.
// zod/mini: the authorizer and a few other functions load no other zod, and mini keeps their cold start small
import * as z from 'zod/mini';
import { ConfigError } from './domain/errors.ts';

/** unset and blank are the same; values are trimmed */
const clean = (raw: string | undefined): string | undefined => {
  const trimmed = raw?.trim();
  return trimmed ? trimmed : undefined;
};

type Issue = { code: 'custom'; input: unknown; message: string };

/** A variable's text, trimmed; `undefined` when unset. Messages are appended to the variable's name. */
const text = () => z.pipe(z.optional(z.string()), z.transform(clean));

const checked = <T>(parse: (raw: string) => T | { problem: string }) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((input: string | undefined, ctx): T | undefined => {
      const raw = clean(input);
      if (raw === undefined) return undefined;
      const out = parse(raw);
      if (out !== null && typeof out === 'object' && 'problem' in out) {
        ctx.issues.push({ code: 'custom', input, message: out.problem } satisfies Issue);
        return z.NEVER;
      }
      return out as T;
    }),
  );

/** `schema`, with `fallback` for unset */
const orElse = <S extends z.ZodMiniType, T>(schema: S, fallback: T) =>
  z.pipe(schema, z.transform((v: z.output<S>) => (v ?? fallback) as NonNullable<z.output<S>> | T));

/** A number that passes `ok`, `fallback` when unset; `problem` words the refusal (given the text as set). */
const numberWhere = (fallback: number, ok: (value: number) => boolean, problem: (raw: string) => string) =>
  orElse(
    checked((raw) => {
      const value = Number(raw);
      return Number.isFinite(value) && ok(value) ? value : { problem: problem(raw) };
    }),
    fallback,
  );

/** A number ≥ min, `fallback` when unset. */
const number = (fallback: number, min: number) =>
  numberWhere(fallback, (v) => v >= min, (raw) => `must be a number ≥ ${min}, got "${raw}"`);

/** The provider pacing's own wording (its messages never echoed the value). */
const positive = (fallback: number) => numberWhere(fallback, (v) => v > 0, () => 'must be a positive number');
const nonNegative = (fallback: number) => numberWhere(fallback, (v) => v >= 0, () => 'must be a number ≥ 0');

const oneOf = <const T extends string>(values: readonly T[]) =>
  checked((raw): T | { problem: string } =>
    (values as readonly string[]).includes(raw) ? (raw as T) : { problem: `must be ${values.join(' or ')}, got "${raw.slice(0, 40)}"` },
  );

const DEPLOYMENT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{2,23}$/;

const ENVIRONMENT = z.object({
  // identity and wiring: set by the stack (infra/stack.ts) or the local runtime (local/runtime.ts)
  DEPLOYMENT_ID: checked((id) =>
    DEPLOYMENT_ID_PATTERN.test(id) ? id : { problem: `"${id}" must match ${DEPLOYMENT_ID_PATTERN} (it is written into provider labels)` },
  ).check(z.describe('required where instances are made or reconciled: this deployment’s mark on every instance label')),
  TABLE_NAME: text().check(z.describe('required where the table is used: the one DynamoDB table')),
  APP_VERSION: orElse(text(), 'dev').check(z.describe('the version /health and the OpenAPI document report')),
  AUTH_MODE: oneOf(['api-key', 'none'] as const).check(z.describe('api-key or none; unset: api-key deployed, none locally')),
  PROVISIONING_STATE_MACHINE_ARN: text().check(z.describe('set on functions that start or stop provisioning')),
  TEARDOWN_STATE_MACHINE_ARN: text().check(z.describe('set on functions that start teardowns')),
  BENCHMARK_RUN_STATE_MACHINE_ARN: text().check(z.describe('set on functions that start benchmark runs')),
  EVENT_BUS_NAME: text().check(z.describe('the consumer event bus; unset: no consumer events are published')),
  DELIVERY_QUEUE_URL: text().check(z.describe('required by the webhook dispatcher: the queue it postpones deliveries on')),
  BUDGET_ALERT_TOPIC_ARN: text().check(z.describe('SNS topic for budget alerts; unset: a JSONL file under DATA_DIR')),
  SSH_KEY_KMS_KEY_ID: text().check(z.describe('KMS key for secrets at rest; unset: AES-256-GCM with a key file under DATA_DIR')),
  PROVIDER_SECRET_ARN: text().check(z.describe('Secrets Manager secret with the provider credentials; unset: read from the environment')),
  AWS_LAMBDA_FUNCTION_NAME: text().check(z.describe('set by Lambda (and the local runtime’s Lambda host): the function’s name')),
  AWS_REGION: text().check(z.describe('set by Lambda; the region for local endpoints (default local for DynamoDB, us-east-1 else)')),
  POWERTOOLS_SERVICE_NAME: orElse(text(), 'gpu-shopper').check(z.describe('service name in logs, traces and metrics')),
  POWERTOOLS_METRICS_NAMESPACE: orElse(text(), 'GpuShopper').check(z.describe('CloudWatch metrics namespace')),
  POWERTOOLS_LOG_LEVEL: text().check(z.describe('read by Powertools itself: the log level (default INFO)')),
  POWERTOOLS_METRICS_DISABLED: text().check(z.describe('read by Powertools itself: true turns metrics off')),
  POWERTOOLS_TRACE_ENABLED: text().check(z.describe('read by Powertools itself: false turns tracing off')),
  NODE_OPTIONS: text().check(z.describe('read by Node itself: the stack sets --enable-source-maps')),

  // the local runtime's wiring (never set by the stack)
  GPU_SHOPPER_LOCAL: text().check(z.describe('set by the local runtime: marks a function as local even under a Lambda name')),
  DYNAMODB_ENDPOINT: text().check(z.describe('DynamoDB Local’s endpoint')),
  SFN_ENDPOINT: text().check(z.describe('the local Step Functions service’s endpoint')),
  EVENTS_ENDPOINT: text().check(z.describe('the local event bus’s EventBridge endpoint')),
  SQS_ENDPOINT: text().check(z.describe('the local event bus’s SQS endpoint')),
  DATA_DIR: orElse(text(), './.data').check(z.describe('local state: the secret key file, budget alerts')),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: text().check(z.describe('read by the AWS SDK itself: the local runtime sets true')),

  // providers
  VASTAI_API_KEY: text().check(z.describe('Vast.ai credential (deployed: in the provider secret)')),
  TENSORDOCK_API_TOKEN: text().check(z.describe('TensorDock credential (deployed: in the provider secret)')),
  VASTAI_API_URL: text().check(z.describe('Vast.ai base-URL override (the simulated marketplace)')),
  TENSORDOCK_API_URL: text().check(z.describe('TensorDock base-URL override (the simulated marketplace)')),
  VASTAI_PACING_SCALE: positive(1).check(z.describe('Vast.ai pacing × this (the simulated marketplace’s SIM_RATE_LIMIT_SCALE)')),
  TENSORDOCK_PACING_SCALE: positive(1).check(z.describe('TensorDock pacing × this (as VASTAI_PACING_SCALE)')),
  PROVIDER_PACING: orElse(oneOf(['dynamodb', 'memory'] as const), 'dynamodb')
    .check(z.describe('where the provider pacing keeps its slots: the table, or memory (one-process tests and tools)')),
  PROVIDER_PACING_MARGIN_MS: nonNegative(400).check(z.describe('added to every documented provider interval')),

  // product settings
  HARD_MAX_HOURS: number(12, 1).check(z.describe('no session lives longer')),
  ORPHAN_GRACE_SECONDS: number(600, 0).check(z.describe('minimum age before an unowned instance counts as an orphan')),
  INVENTORY_MAX_AGE_SECONDS: number(600, 1).check(z.describe('a provider snapshot not confirmed for longer is not served')),
  INVENTORY_PROVIDER_TIMEOUT_SECONDS: number(20, 1).check(z.describe('per-provider listing timeout of the inventory refresh')),
  INVENTORY_PROVIDER_ATTEMPTS: number(2, 1).check(z.describe('listing attempts per provider and refresh')),
  TEMPLATE_REFRESH_SECONDS: number(3600, 1).check(z.describe('template refresh period; a catalog two periods old is stale')),
  TEMPLATE_PROVIDER_TIMEOUT_SECONDS: number(30, 1).check(z.describe('template listing timeout')),
  DEFAULT_DISK_GB: number(50, 8).check(z.describe('disk of a session that names none; prices are for this disk')),
  IDLE_PROBE_TIMEOUT_MS: number(15_000, 1000).check(z.describe('the idle check’s SSH command deadline')),
  WEBHOOK_TIMEOUT_MS: number(10_000, 100).check(z.describe('per webhook delivery attempt')),
  BENCHMARK_POLL_SECONDS: number(20, 1).check(z.describe('how often a benchmark run looks at its items')),
  BENCHMARK_PROVISION_DEADLINE_SECONDS: number(1800, 10).check(z.describe('a benchmark item’s session must run within this')),
  BENCHMARK_SETTLE_DEADLINE_SECONDS: number(900, 1).check(z.describe('a benchmark item’s session must stop within this')),
  BENCHMARK_COMMAND_TIMEOUT_SECONDS: number(780, 5).check(z.describe('the benchmark command’s deadline (at most 840)')),
  SSH_PROBE_INTERVAL_MS: number(1000, 50).check(z.describe('pause between SSH probes')),
  SSH_PROBE_TIMEOUT_MS: number(3000, 100).check(z.describe('one SSH probe’s TCP and banner deadline')),
  SSH_LOGIN_TIMEOUT_MS: number(10_000, 500).check(z.describe('one SSH key login’s deadline')),
  PROVIDER_CHECK_INTERVAL_MS: number(15_000, 100).check(z.describe('how often SSH verification asks the provider for status')),
  VERIFY_ROUND_SECONDS: number(120, 1).check(z.describe('one VerifySsh / VerifyApi invocation’s round')),
  CREATE_LIST_LAG_SECONDS: number(120, 0).check(z.describe('how long a created instance may be missing from the listing')),
  SSH_DEADLINE_SECONDS: number(600, 1).check(z.describe('SSH verification deadline when neither request nor history decides')),
  AUTH_REJECTION_WINDOW_SECONDS: number(20, 0).check(z.describe('how long key rejections must persist to fail as auth_rejected')),
  API_PROBE_INTERVAL_MS: number(5000, 50).check(z.describe('pause between entrypoint API probes')),
  API_PROBE_TIMEOUT_MS: number(5000, 100).check(z.describe('one API probe’s deadline')),
  API_DEADLINE_SECONDS: number(600, 1).check(z.describe('entrypoint API verification deadline')),

  // accelerated local runs (a deployed function ignores these)
  RESERVATION_HOUR_SECONDS: number(3600, 1).check(z.describe('length of a reserved hour')),
  IDLE_MINUTE_SECONDS: number(60, 1).check(z.describe('length of an idle minute')),
  WEBHOOK_BACKOFF_SCALE: number(1, 0.0001).check(z.describe('webhook backoff pauses and window × this')),
  WEBHOOK_ALLOW_LOOPBACK: z.pipe(text(), z.transform((v: string | undefined) => v !== 'false'))
    .check(z.describe('false refuses loopback receivers and http:// as deployed')),
});

export type Settings = z.output<typeof ENVIRONMENT>;
export type Variable = keyof Settings;
export const VARIABLES = Object.keys(ENVIRONMENT.shape) as Variable[];

/** the variable's one line in the schema */
export const describeVariable = (name: Variable): string | undefined => z.globalRegistry.get(ENVIRONMENT.shape[name])?.description;

/**
 * Never set by the stack: the local runtime's wiring, credentials and simulator overrides that a deployed function
 * gets from elsewhere (the provider secret, the real endpoints), and knobs a deployed function ignores.
 */
export const LOCAL_ONLY: ReadonlySet<Variable> = new Set<Variable>([
  'GPU_SHOPPER_LOCAL',
  'DYNAMODB_ENDPOINT',
  'SFN_ENDPOINT',
  'EVENTS_ENDPOINT',
  'SQS_ENDPOINT',
  'DATA_DIR',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
  'VASTAI_API_KEY',
  'TENSORDOCK_API_TOKEN',
  'VASTAI_API_URL',
  'TENSORDOCK_API_URL',
  'VASTAI_PACING_SCALE',
  'TENSORDOCK_PACING_SCALE',
  'PROVIDER_PACING',
  'RESERVATION_HOUR_SECONDS',
  'IDLE_MINUTE_SECONDS',
  'WEBHOOK_BACKOFF_SCALE',
  'WEBHOOK_ALLOW_LOOPBACK',
]);

/** A function that reads one of these refuses to start without it (config().require). */
export const REQUIRED_WHEN_USED: ReadonlySet<Variable> = new Set<Variable>(['DEPLOYMENT_ID', 'TABLE_NAME', 'DELIVERY_QUEUE_URL']);

/** Read by a library or the runtime, not by this code: named so the schema covers what functions are given. */
export const READ_BY_OTHERS: ReadonlySet<Variable> = new Set<Variable>([
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_METRICS_DISABLED',
  'POWERTOOLS_TRACE_ENABLED',
  'NODE_OPTIONS',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
]);

type Env = Record<string, string | undefined>;

export interface Config {
  /** the variable's value (its default when unset); throws ConfigError when it is set to something invalid */
  get<K extends Variable>(name: K): Settings[K];
  /** as get, and throws ConfigError when it is unset */
  require<K extends Variable>(name: K): NonNullable<Settings[K]>;
  /** the text as set, unchecked: only to notice a change (the provider registry rebuilds its clients on one) */
  raw(name: Variable): string | undefined;
}

type Parsed = { raw: string | undefined; value: unknown } | { raw: string | undefined; problem: string };

/** A view of `env` (or of whatever object `env()` returns at each read). */
export function parseConfig(env: Env | (() => Env)): Config {
  const read = typeof env === 'function' ? env : () => env;
  const parsed = new Map<Variable, Parsed>();
  const get = <K extends Variable>(name: K): Settings[K] => {
    const raw = read()[name];
    let known = parsed.get(name);
    if (!known || known.raw !== raw) {
      const out = ENVIRONMENT.shape[name].safeParse(raw);
      known = out.success ? { raw, value: out.data } : { raw, problem: `${name} ${out.error.issues[0]?.message}` };
      parsed.set(name, known);
    }
    if ('problem' in known) throw new ConfigError(known.problem, { variable: name });
    return known.value as Settings[K];
  };
  return {
    get,
    require(name) {
      const value = get(name);
      if (value === undefined) throw new ConfigError(`missing required environment variable ${name}`, { variable: name });
      return value as NonNullable<Settings[typeof name]>;
    },
    raw: (name) => read()[name],
  };
}

// process.env is looked up at every read: tests replace the object itself
const processConfig = parseConfig(() => process.env);

/** The process's configuration. */
export const config = (): Config => processConfig;

/** true when running inside AWS Lambda (not the local runtime, not a test) */
export function isDeployed(c: Config = config()): boolean {
  return c.get('AWS_LAMBDA_FUNCTION_NAME') !== undefined && c.get('GPU_SHOPPER_LOCAL') === undefined;
}

/**
 * This deployment's mark on every instance label. Required: without it the reconciler could not tell this
 * deployment's instances from anyone else's, so a function without it refuses to start.
 */
export const deploymentId = (c: Config = config()): string => c.require('DEPLOYMENT_ID');
