// Wiring of the provider registry from the configuration: credentials (the Secrets Manager secret deployed, the
// environment locally), base-URL overrides, and the pacing. The product (AWS and the local runtime) keeps the pacing
// in DynamoDB, so every execution environment of every function takes its turn from the same limiter;
// `PROVIDER_PACING=memory` keeps it in the process, for tests and one-process tools only.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoSlotLedger } from '../adapters/dynamodb/pacing-ledger.ts';
import { MemorySlotLedger, type SlotLedger } from '../adapters/providers/pacer.ts';
import { providerRegistryOver, type SecretsClient } from '../adapters/providers/registry.ts';
import { type Config, config, parseConfig, type Variable } from '../config.ts';
import { ConfigError } from '../domain/errors.ts';
import type { ProviderName } from '../domain/offer.ts';
import { traced } from '../observability/tracing.ts';
import type { ProviderRegistry } from '../ports/provider.ts';
import { documentClient } from './dynamodb.ts';

type Env = Record<string, string | undefined>;

let memory: MemorySlotLedger | undefined;
const dynamo = new Map<string, DynamoSlotLedger>();

export const slotLedgerFromEnv = (env: Env): SlotLedger => slotLedger(parseConfig(env));

function slotLedger(c: Config): SlotLedger {
  if (c.get('PROVIDER_PACING') === 'memory') {
    memory ??= new MemorySlotLedger();
    return memory;
  }
  const tableName = c.get('TABLE_NAME');
  if (!tableName) throw new ConfigError('provider pacing in DynamoDB needs TABLE_NAME', { variable: 'TABLE_NAME' });
  let ledger = dynamo.get(tableName);
  if (!ledger) {
    ledger = new DynamoSlotLedger(documentClient(), tableName);
    dynamo.set(tableName, ledger);
  }
  return ledger;
}

let secretsClient: SecretsManagerClient | undefined;
function defaultSecretsClient(): SecretsManagerClient {
  secretsClient ??= traced(new SecretsManagerClient({}));
  return secretsClient;
}

/** the registry rebuilds its clients when one of these changes */
const SETTINGS: Variable[] = [
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
];

export interface RegistryDependencies {
  /** default: the process's configuration */
  env?: Env;
  secrets?: SecretsClient;
  /** where the pacing keeps its slots (default: PROVIDER_PACING, i.e. the DynamoDB table) */
  ledger?: SlotLedger;
}

const API_URL = { vastai: 'VASTAI_API_URL', tensordock: 'TENSORDOCK_API_URL' } as const;
const PACING_SCALE = { vastai: 'VASTAI_PACING_SCALE', tensordock: 'TENSORDOCK_PACING_SCALE' } as const;

export function providerRegistryFromEnv(deps: RegistryDependencies = {}): ProviderRegistry {
  const c = deps.env ? parseConfig(deps.env) : config();
  return providerRegistryOver(
    {
      version: () => JSON.stringify(SETTINGS.map((name) => c.raw(name) ?? null)),
      secretArn: () => c.get('PROVIDER_SECRET_ARN'),
      environmentCredentials: () => ({ VASTAI_API_KEY: c.get('VASTAI_API_KEY'), TENSORDOCK_API_TOKEN: c.get('TENSORDOCK_API_TOKEN') }),
      baseUrl: (provider: ProviderName) => c.get(API_URL[provider]),
      pacingScale: (provider: ProviderName) => c.get(PACING_SCALE[provider]),
      pacingMarginMs: () => c.get('PROVIDER_PACING_MARGIN_MS'),
      ledger: () => deps.ledger ?? slotLedger(c),
    },
    () => deps.secrets ?? defaultSecretsClient(),
  );
}

let shared: ProviderRegistry | undefined;

/**
 * The process-wide registry over the process's configuration. Handlers should use this one: the clients (and their
 * connections) are kept across invocations; the pacing is shared across environments through the ledger anyway.
 */
export function providerRegistry(): ProviderRegistry {
  shared ??= providerRegistryFromEnv();
  return shared;
}
