// The one typed configuration (shared/config.ts): its defaults, its errors, its local-only marks, and that nothing
// else in shared/ or functions/ reads the environment.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_PACING_MARGIN_MS } from '../../shared/adapters/providers/pacer.ts';
import {
  config,
  describeVariable,
  isDeployed,
  LOCAL_ONLY,
  parseConfig,
  READ_BY_OTHERS,
  REQUIRED_WHEN_USED,
  type Settings,
  VARIABLES,
} from '../../shared/config.ts';
import { ConfigError } from '../../shared/domain/errors.ts';
import { DEFAULT_PRICED_DISK_GB } from '../../shared/domain/offer-pricing.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/powertools.ts';
import { provisioningSettingsFromEnv } from '../../shared/composition/provisioning.ts';
import { DEFAULT_PROVISIONING_SETTINGS } from '../../shared/use-cases/provisioning/deps.ts';
import { DEFAULT_ORPHAN_GRACE_SECONDS } from '../../shared/use-cases/reconcile/deps.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** what an empty environment gives; a new variable must be added here with its default */
const DEFAULTS: { [K in keyof Settings]: Settings[K] } = {
  DEPLOYMENT_ID: undefined,
  TABLE_NAME: undefined,
  APP_VERSION: 'dev',
  AUTH_MODE: undefined,
  PROVISIONING_STATE_MACHINE_ARN: undefined,
  TEARDOWN_STATE_MACHINE_ARN: undefined,
  BENCHMARK_RUN_STATE_MACHINE_ARN: undefined,
  EVENT_BUS_NAME: undefined,
  DELIVERY_QUEUE_URL: undefined,
  BUDGET_ALERT_TOPIC_ARN: undefined,
  SSH_KEY_KMS_KEY_ID: undefined,
  PROVIDER_SECRET_ARN: undefined,
  AWS_LAMBDA_FUNCTION_NAME: undefined,
  AWS_REGION: undefined,
  POWERTOOLS_SERVICE_NAME: 'gpu-shopper',
  POWERTOOLS_METRICS_NAMESPACE: 'GpuShopper',
  POWERTOOLS_LOG_LEVEL: undefined,
  POWERTOOLS_METRICS_DISABLED: undefined,
  POWERTOOLS_TRACE_ENABLED: undefined,
  NODE_OPTIONS: undefined,
  GPU_SHOPPER_LOCAL: undefined,
  DYNAMODB_ENDPOINT: undefined,
  SFN_ENDPOINT: undefined,
  EVENTS_ENDPOINT: undefined,
  SQS_ENDPOINT: undefined,
  DATA_DIR: './.data',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
  VASTAI_API_KEY: undefined,
  TENSORDOCK_API_TOKEN: undefined,
  VASTAI_API_URL: undefined,
  TENSORDOCK_API_URL: undefined,
  VASTAI_PACING_SCALE: 1,
  TENSORDOCK_PACING_SCALE: 1,
  PROVIDER_PACING: 'dynamodb',
  PROVIDER_PACING_MARGIN_MS: 400,
  HARD_MAX_HOURS: 12,
  ORPHAN_GRACE_SECONDS: 600,
  INVENTORY_MAX_AGE_SECONDS: 600,
  INVENTORY_PROVIDER_TIMEOUT_SECONDS: 20,
  INVENTORY_PROVIDER_ATTEMPTS: 2,
  TEMPLATE_REFRESH_SECONDS: 3600,
  TEMPLATE_PROVIDER_TIMEOUT_SECONDS: 30,
  DEFAULT_DISK_GB: 50,
  IDLE_PROBE_TIMEOUT_MS: 15_000,
  WEBHOOK_TIMEOUT_MS: 10_000,
  BENCHMARK_POLL_SECONDS: 20,
  BENCHMARK_PROVISION_DEADLINE_SECONDS: 1800,
  BENCHMARK_SETTLE_DEADLINE_SECONDS: 900,
  BENCHMARK_COMMAND_TIMEOUT_SECONDS: 780,
  SSH_PROBE_INTERVAL_MS: 1000,
  SSH_PROBE_TIMEOUT_MS: 3000,
  SSH_LOGIN_TIMEOUT_MS: 10_000,
  PROVIDER_CHECK_INTERVAL_MS: 15_000,
  VERIFY_ROUND_SECONDS: 120,
  CREATE_LIST_LAG_SECONDS: 120,
  SSH_DEADLINE_SECONDS: 600,
  AUTH_REJECTION_WINDOW_SECONDS: 20,
  API_PROBE_INTERVAL_MS: 5000,
  API_PROBE_TIMEOUT_MS: 5000,
  API_DEADLINE_SECONDS: 600,
  RESERVATION_HOUR_SECONDS: 3600,
  IDLE_MINUTE_SECONDS: 60,
  WEBHOOK_BACKOFF_SCALE: 1,
  WEBHOOK_ALLOW_LOOPBACK: true,
};

const thrown = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('the configuration schema', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('gives every variable its default in an empty environment (blank counts as unset)', () => {
    expect(VARIABLES.toSorted()).toEqual(Object.keys(DEFAULTS).toSorted());
    const empty = parseConfig({});
    const blank = parseConfig(Object.fromEntries(VARIABLES.map((v) => [v, '  '])));
    for (const name of VARIABLES) {
      expect(empty.get(name), name).toEqual(DEFAULTS[name]);
      expect(blank.get(name), name).toEqual(DEFAULTS[name]);
    }
  });

  it('has the product’s own defaults where the code keeps them as constants', () => {
    const c = parseConfig({});
    const d = DEFAULT_PROVISIONING_SETTINGS;
    expect(provisioningSettingsFromEnv(c)).toEqual(d);
    expect(c.get('ORPHAN_GRACE_SECONDS')).toBe(DEFAULT_ORPHAN_GRACE_SECONDS);
    expect(c.get('PROVIDER_PACING_MARGIN_MS')).toBe(DEFAULT_PACING_MARGIN_MS);
    expect(c.get('DEFAULT_DISK_GB')).toBe(DEFAULT_PRICED_DISK_GB);
    expect(c.get('POWERTOOLS_SERVICE_NAME')).toBe(SERVICE_NAME);
    expect(c.get('POWERTOOLS_METRICS_NAMESPACE')).toBe(METRICS_NAMESPACE);
  });

  it('describes every variable in one line', () => {
    for (const name of VARIABLES) {
      const description = describeVariable(name);
      expect(description, name).toMatch(/\S/);
      expect(description, name).not.toContain('\n');
    }
  });

  it('trims values and reads numbers', () => {
    const c = parseConfig({ TABLE_NAME: ' t ', HARD_MAX_HOURS: ' 3 ', WEBHOOK_BACKOFF_SCALE: '0.02', WEBHOOK_ALLOW_LOOPBACK: 'false' });
    expect(c.require('TABLE_NAME')).toBe('t');
    expect(c.get('HARD_MAX_HOURS')).toBe(3);
    expect(c.get('WEBHOOK_BACKOFF_SCALE')).toBe(0.02);
    expect(c.get('WEBHOOK_ALLOW_LOOPBACK')).toBe(false);
    expect(parseConfig({ WEBHOOK_ALLOW_LOOPBACK: 'no' }).get('WEBHOOK_ALLOW_LOOPBACK')).toBe(true);
  });

  it('refuses a bad number with a ConfigError naming the variable, and only when it is asked for', () => {
    const c = parseConfig({ HARD_MAX_HOURS: '0', SSH_PROBE_INTERVAL_MS: 'soon', TABLE_NAME: 't' });
    const err = thrown(() => c.get('HARD_MAX_HOURS'));
    expect(err.message).toBe('HARD_MAX_HOURS must be a number ≥ 1, got "0"');
    expect(err.details).toMatchObject({ variable: 'HARD_MAX_HOURS' });
    expect(thrown(() => c.get('SSH_PROBE_INTERVAL_MS')).message).toBe('SSH_PROBE_INTERVAL_MS must be a number ≥ 50, got "soon"');
    // the others are still readable: a function fails on what it needs
    expect(c.require('TABLE_NAME')).toBe('t');
    expect(thrown(() => parseConfig({ VASTAI_PACING_SCALE: '0' }).get('VASTAI_PACING_SCALE')).message).toBe(
      'VASTAI_PACING_SCALE must be a positive number',
    );
    expect(thrown(() => parseConfig({ PROVIDER_PACING_MARGIN_MS: '-1' }).get('PROVIDER_PACING_MARGIN_MS')).message).toBe(
      'PROVIDER_PACING_MARGIN_MS must be a number ≥ 0',
    );
  });

  it('refuses a missing required value, an unknown choice and a deployment id unfit for labels', () => {
    for (const name of REQUIRED_WHEN_USED) {
      const err = thrown(() => parseConfig({}).require(name));
      expect(err.message).toBe(`missing required environment variable ${name}`);
      expect(err.details).toMatchObject({ variable: name });
    }
    expect(thrown(() => parseConfig({ AUTH_MODE: 'apikey' }).get('AUTH_MODE')).message).toBe(
      'AUTH_MODE must be api-key or none, got "apikey"',
    );
    expect(thrown(() => parseConfig({ PROVIDER_PACING: 'bucket' }).get('PROVIDER_PACING')).message).toBe(
      'PROVIDER_PACING must be dynamodb or memory, got "bucket"',
    );
    const label = thrown(() => parseConfig({ DEPLOYMENT_ID: 'Prod_1' }).require('DEPLOYMENT_ID'));
    expect(label.message).toMatch(/^DEPLOYMENT_ID "Prod_1" must match/);
    expect(label.details).toMatchObject({ variable: 'DEPLOYMENT_ID' });
    expect(parseConfig({ DEPLOYMENT_ID: 'prod-1' }).require('DEPLOYMENT_ID')).toBe('prod-1');
  });

  it('follows the environment it reads: a changed value is parsed again, a replaced process.env is seen', () => {
    const env: Record<string, string> = { HARD_MAX_HOURS: '2' };
    const c = parseConfig(env);
    expect(c.get('HARD_MAX_HOURS')).toBe(2);
    env['HARD_MAX_HOURS'] = '5';
    expect(c.get('HARD_MAX_HOURS')).toBe(5);
    vi.stubEnv('TEMPLATE_REFRESH_SECONDS', '7');
    expect(config().get('TEMPLATE_REFRESH_SECONDS')).toBe(7);
    const saved = process.env;
    try {
      process.env = { ...saved, TEMPLATE_REFRESH_SECONDS: '9' };
      expect(config().get('TEMPLATE_REFRESH_SECONDS')).toBe(9);
    } finally {
      process.env = saved;
    }
  });

  it('counts a function as deployed under a Lambda name, unless the local runtime marks it', () => {
    expect(isDeployed(parseConfig({}))).toBe(false);
    expect(isDeployed(parseConfig({ AWS_LAMBDA_FUNCTION_NAME: 'SessionsApi' }))).toBe(true);
    expect(isDeployed(parseConfig({ AWS_LAMBDA_FUNCTION_NAME: 'SessionsApi', GPU_SHOPPER_LOCAL: '1' }))).toBe(false);
  });

  it('lists the local-only variables (the stack never sets them; test/infra checks that)', () => {
    expect([...LOCAL_ONLY].toSorted()).toEqual(
      [
        'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
        'DATA_DIR',
        'DYNAMODB_ENDPOINT',
        'EVENTS_ENDPOINT',
        'GPU_SHOPPER_LOCAL',
        'IDLE_MINUTE_SECONDS',
        'PROVIDER_PACING',
        'RESERVATION_HOUR_SECONDS',
        'SFN_ENDPOINT',
        'SQS_ENDPOINT',
        'TENSORDOCK_API_TOKEN',
        'TENSORDOCK_API_URL',
        'TENSORDOCK_PACING_SCALE',
        'VASTAI_API_KEY',
        'VASTAI_API_URL',
        'VASTAI_PACING_SCALE',
        'WEBHOOK_ALLOW_LOOPBACK',
        'WEBHOOK_BACKOFF_SCALE',
      ].toSorted(),
    );
    for (const name of [...LOCAL_ONLY, ...REQUIRED_WHEN_USED, ...READ_BY_OTHERS]) expect(VARIABLES).toContain(name);
  });
});

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((entry) => {
    const rel = path.join(dir, entry);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sources(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });
}

describe('who reads the environment', () => {
  const files = [...sources('shared'), ...sources('functions')];

  it('only shared/config.ts, in shared/ and functions/', () => {
    const readers = files.filter((f) => f !== path.join('shared', 'config.ts') && /process\.env\b/.test(readFileSync(path.join(ROOT, f), 'utf8')));
    expect(readers).toEqual([]);
  });

  it('only the composition roots (and the cross-cutting auth and observability) import the configuration', () => {
    const importers = files.filter((f) => /from '[./]*\/config\.ts'/.test(readFileSync(path.join(ROOT, f), 'utf8')));
    const allowed = (f: string) =>
      f.startsWith(path.join('shared', 'composition') + path.sep) ||
      [path.join('shared', 'http', 'auth.ts'), path.join('shared', 'observability', 'powertools.ts'), path.join('shared', 'observability', 'tracing.ts')].includes(f);
    expect(importers.filter((f) => !allowed(f))).toEqual([]);
  });

  it('handlers build no adapters: they import their wiring from shared/composition', () => {
    // parsePublicKey is a pure parser of the request's key, not an adapter to wire
    const pure = new Set(['shared/adapters/ssh/keys.ts']);
    // the entry points, and the routes they wire (shared/http/routes, which tests build with fakes)
    const handlers = [...sources('functions'), ...sources(path.join('shared', 'http', 'routes'))];
    expect(handlers.filter((f) => f.startsWith(path.join('shared', 'http', 'routes'))).length).toBeGreaterThan(0);
    const wiring = handlers.flatMap((f) =>
      [...readFileSync(path.join(ROOT, f), 'utf8').matchAll(/from '(\.\.?\/[^']+)'/g)]
        .map((m) => path.relative(ROOT, path.resolve(ROOT, path.dirname(f), m[1]!)).split(path.sep).join('/'))
        .filter((imported) => imported.startsWith('shared/adapters/') && !pure.has(imported))
        .map((imported) => `${f} → ${imported}`),
    );
    expect(wiring).toEqual([]);
  });
});

describe('README', () => {
  it('names every variable in its Configuration section', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('\n## Configuration');
    expect(start).toBeGreaterThan(0);
    const end = readme.indexOf('\n## ', start + 1);
    const section = readme.slice(start, end);
    expect(VARIABLES.filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
  });
});
