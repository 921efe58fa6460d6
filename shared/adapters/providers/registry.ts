// Which providers this deployment talks to, and with which credentials. A provider without a credential is
// simply absent. Locally the credentials (or the simulated marketplaces' keys) come from the configuration; in
// AWS from one Secrets Manager secret, read once per process. Wired in shared/composition/providers.ts.
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { ConfigError, NotFoundError } from '../../domain/errors.ts';
import type { ProviderName } from '../../domain/offer.ts';
import type { ProviderClient, ProviderRegistry } from '../../ports/provider.ts';
import { Pacer, type SlotLedger } from './pacer.ts';
import { TensorDockClient } from './tensordock.ts';
import { VastAiClient } from './vastai/client.ts';

interface ProviderCredentials {
  VASTAI_API_KEY?: string;
  TENSORDOCK_API_TOKEN?: string;
}

export type SecretsClient = Pick<SecretsManagerClient, 'send'>;

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

function clean(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * What the registry is built from, read on every use (the composition root reads it from the configuration). Each
 * value is asked for only when needed, so a setting of a provider without credentials is never checked.
 */
interface ProviderRegistrySource {
  /** changes whenever any setting below does: a restarted local runtime points the process at new simulators */
  version(): string;
  /** the Secrets Manager secret holding both credentials; unset: environmentCredentials() */
  secretArn(): string | undefined;
  environmentCredentials(): ProviderCredentials;
  baseUrl(provider: ProviderName): string | undefined;
  /** below 1 only against simulated marketplaces that enforce the documented rules scaled alike */
  pacingScale(provider: ProviderName): number;
  pacingMarginMs(): number;
  /** where the pacing keeps its slots, shared by every environment */
  ledger(): SlotLedger;
}

/**
 * The registry over `source`. Configuration is read on first use (so the local runtime can point the environment at
 * its simulated marketplaces before any handler asks), and the clients are kept while it does not change: their
 * rate limiters must be shared by every caller. `secrets` is asked for only when a secret is configured.
 */
export function providerRegistryOver(source: ProviderRegistrySource, secrets: () => SecretsClient): ProviderRegistry {
  let clients: Promise<Map<ProviderName, ProviderClient>> | undefined;
  let builtFor: string | undefined;

  const build = async (): Promise<Map<ProviderName, ProviderClient>> => {
    const arn = source.secretArn();
    const credentials: ProviderCredentials = arn ? await readSecretOnce(secrets(), arn) : source.environmentCredentials();
    const map = new Map<ProviderName, ProviderClient>();
    const vastKey = clean(credentials.VASTAI_API_KEY);
    const tdToken = clean(credentials.TENSORDOCK_API_TOKEN);
    if (!vastKey && !tdToken) return map;
    // one limiter per (provider, endpoint, credential), shared by every environment through the ledger
    const ledger = source.ledger();
    const marginMs = source.pacingMarginMs();
    if (vastKey) {
      map.set(
        'vastai',
        new VastAiClient({
          apiKey: vastKey,
          baseUrl: source.baseUrl('vastai'),
          limiter: new Pacer({ provider: 'vastai', credential: vastKey, ledger, marginMs, scale: source.pacingScale('vastai') }),
        }),
      );
    }
    if (tdToken) {
      map.set(
        'tensordock',
        new TensorDockClient({
          apiToken: tdToken,
          baseUrl: source.baseUrl('tensordock'),
          limiter: new Pacer({ provider: 'tensordock', credential: tdToken, ledger, marginMs, scale: source.pacingScale('tensordock') }),
        }),
      );
    }
    return map;
  };

  const load = (): Promise<Map<ProviderName, ProviderClient>> => {
    const settings = source.version();
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
