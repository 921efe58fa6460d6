// Which providers this deployment talks to, and with which credentials. A provider without a credential is
// simply absent. Locally the credentials (or the simulated marketplaces' keys) come from the environment; in
// AWS from one Secrets Manager secret, read once per process.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { ConfigError, NotFoundError } from '../../domain/errors.ts';
import type { ProviderName } from '../../domain/offer.ts';
import { traced } from '../../observability/tracing.ts';
import type { ProviderClient, ProviderRegistry } from '../../ports/provider.ts';
import { DEFAULT_PACING_MARGIN_MS, Pacer, type SlotLedger } from './pacer.ts';
import { slotLedgerFromEnv } from './pacing-from-env.ts';
import { TensorDockClient } from './tensordock.ts';
import { VastAiClient } from './vastai/client.ts';

export interface ProviderCredentials {
  VASTAI_API_KEY?: string;
  TENSORDOCK_API_TOKEN?: string;
}

type SecretsClient = Pick<SecretsManagerClient, 'send'>;

let secretsClient: SecretsManagerClient | undefined;
function defaultSecretsClient(): SecretsManagerClient {
  secretsClient ??= traced(new SecretsManagerClient({}));
  return secretsClient;
}

const SecretShape = z.looseObject({
  VASTAI_API_KEY: z.string().optional(),
  TENSORDOCK_API_TOKEN: z.string().optional(),
});

// one read per process and secret, however many registries the handlers make
const secretReads = new WeakMap<SecretsClient, Map<string, Promise<ProviderCredentials>>>();

function readSecretOnce(client: SecretsClient, arn: string): Promise<ProviderCredentials> {
  let reads = secretReads.get(client);
  if (!reads) {
    reads = new Map();
    secretReads.set(client, reads);
  }
  let read = reads.get(arn);
  if (!read) {
    read = readSecret(client, arn).catch((err: unknown) => {
      reads.delete(arn); // a failed read is retried by the next caller
      throw err;
    });
    reads.set(arn, read);
  }
  return read;
}

async function readSecret(client: SecretsClient, arn: string): Promise<ProviderCredentials> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(out.SecretString ?? '');
  } catch {
    // never echo the secret's text
    throw new ConfigError('the provider secret is not JSON', { variable: 'PROVIDER_SECRET_ARN' });
  }
  const shape = SecretShape.safeParse(parsed);
  if (!shape.success) {
    throw new ConfigError('the provider secret must be {"VASTAI_API_KEY":…,"TENSORDOCK_API_TOKEN":…}', {
      variable: 'PROVIDER_SECRET_ARN',
    });
  }
  return shape.data;
}

function nonNegative(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(`${name} must be a number ≥ 0`, { variable: name });
  return value;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigError(`${name} must be a positive number`, { variable: name });
  return value;
}

function clean(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export interface RegistryDependencies {
  env?: NodeJS.ProcessEnv;
  secrets?: SecretsClient;
  /** where the pacing keeps its slots (default: PROVIDER_PACING, i.e. the DynamoDB table) */
  ledger?: SlotLedger;
}

const SETTINGS = [
  'PROVIDER_SECRET_ARN',
  'VASTAI_API_KEY',
  'VASTAI_API_URL',
  'VASTAI_PACING_SCALE',
  'TENSORDOCK_API_TOKEN',
  'TENSORDOCK_API_URL',
  'TENSORDOCK_PACING_SCALE',
  'PROVIDER_PACING',
  'PROVIDER_PACING_MARGIN_MS',
  'TABLE_NAME',
] as const;

/**
 * The registry for this process. Configuration is read on first use (so the local runtime can point the
 * environment at its simulated marketplaces before any handler asks), and the clients are kept while it does
 * not change: their rate limiters must be shared by every caller.
 */
export function providerRegistryFromEnv(deps: RegistryDependencies = {}): ProviderRegistry {
  const env = deps.env ?? process.env;
  let clients: Promise<Map<ProviderName, ProviderClient>> | undefined;
  let builtFor: string | undefined;

  const build = async (): Promise<Map<ProviderName, ProviderClient>> => {
    const arn = clean(env['PROVIDER_SECRET_ARN']);
    const credentials: ProviderCredentials = arn
      ? await readSecretOnce(deps.secrets ?? defaultSecretsClient(), arn)
      : { VASTAI_API_KEY: env['VASTAI_API_KEY'], TENSORDOCK_API_TOKEN: env['TENSORDOCK_API_TOKEN'] };
    const map = new Map<ProviderName, ProviderClient>();
    const vastKey = clean(credentials.VASTAI_API_KEY);
    const tdToken = clean(credentials.TENSORDOCK_API_TOKEN);
    if (!vastKey && !tdToken) return map;
    // one limiter per (provider, endpoint, credential), shared by every environment through the ledger
    const ledger = deps.ledger ?? slotLedgerFromEnv(env);
    const marginMs = nonNegative(env, 'PROVIDER_PACING_MARGIN_MS', DEFAULT_PACING_MARGIN_MS);
    if (vastKey) {
      map.set(
        'vastai',
        new VastAiClient({
          apiKey: vastKey,
          baseUrl: clean(env['VASTAI_API_URL']),
          limiter: new Pacer({
            provider: 'vastai',
            credential: vastKey,
            ledger,
            marginMs,
            // below 1 only against simulated marketplaces that enforce the documented rules scaled alike
            scale: positive(env, 'VASTAI_PACING_SCALE', 1),
          }),
        }),
      );
    }
    if (tdToken) {
      map.set(
        'tensordock',
        new TensorDockClient({
          apiToken: tdToken,
          baseUrl: clean(env['TENSORDOCK_API_URL']),
          limiter: new Pacer({
            provider: 'tensordock',
            credential: tdToken,
            ledger,
            marginMs,
            scale: positive(env, 'TENSORDOCK_PACING_SCALE', 1),
          }),
        }),
      );
    }
    return map;
  };

  const load = (): Promise<Map<ProviderName, ProviderClient>> => {
    // a restarted local runtime points the same process at new simulated marketplaces
    const settings = JSON.stringify(SETTINGS.map((name) => env[name] ?? null));
    if (!clients || builtFor !== settings) {
      builtFor = settings;
      clients = build().catch((err: unknown) => {
        clients = undefined;
        throw err;
      });
    }
    return clients;
  };

  return {
    async all() {
      return [...(await load()).values()];
    },
    async get(name) {
      const client = (await load()).get(name);
      if (!client) throw new NotFoundError(`provider ${name} is not configured`, { provider: name });
      return client;
    },
  };
}

let shared: ProviderRegistry | undefined;

/**
 * The process-wide registry over process.env. Handlers should use this one: the clients (and their connections)
 * are kept across invocations; the pacing is shared across environments through the ledger anyway.
 */
export function providerRegistry(): ProviderRegistry {
  shared ??= providerRegistryFromEnv();
  return shared;
}
