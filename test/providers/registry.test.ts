// Which providers are configured, and where their credentials come from.
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it, vi } from 'vitest';
import { providerRegistryFromEnv, type RegistryDependencies } from '../../shared/composition/providers.ts';
import { TensorDockClient } from '../../shared/adapters/providers/tensordock.ts';
import { VastAiClient } from '../../shared/adapters/providers/vastai/client.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gpu-shopper/providers-AbCdEf';

function fakeSecrets(answer: () => Promise<{ SecretString?: string }>) {
  const send = vi.fn(async (_command: unknown) => answer());
  return { client: { send } as unknown as NonNullable<RegistryDependencies['secrets']>, send };
}

describe('providerRegistryFromEnv', () => {
  it('configures a provider only when its credential is set', async () => {
    const registry = providerRegistryFromEnv({
      env: { TABLE_NAME: 't', VASTAI_API_KEY: 'vast-key', VASTAI_API_URL: 'http://127.0.0.1:9/api/v0' },
    });
    const all = await registry.all();
    expect(all.map((p) => p.name)).toEqual(['vastai']);
    const vast = await registry.get('vastai');
    expect(vast).toBeInstanceOf(VastAiClient);
    expect((vast as VastAiClient).baseUrl).toBe('http://127.0.0.1:9/api/v0');
    await expect(registry.get('tensordock')).rejects.toMatchObject({ name: 'NotFoundError', errorType: 'not_found' });
  });

  it('uses the real base URLs when no override is set, and ignores blank credentials', async () => {
    const registry = providerRegistryFromEnv({ env: { TABLE_NAME: 't', VASTAI_API_KEY: '  ', TENSORDOCK_API_TOKEN: 'td-token' } });
    const [only] = await registry.all();
    expect(only).toBeInstanceOf(TensorDockClient);
    expect((only as TensorDockClient).baseUrl).toBe('https://dashboard.tensordock.com/api/v2');
  });

  it('keeps its clients (and their rate limiters) while the configuration is unchanged', async () => {
    const env: NodeJS.ProcessEnv = { TABLE_NAME: 't', VASTAI_API_KEY: 'k', VASTAI_API_URL: 'http://127.0.0.1:1/api/v0' };
    const registry = providerRegistryFromEnv({ env });
    const first = await registry.get('vastai');
    expect(await registry.get('vastai')).toBe(first);
    env['VASTAI_API_URL'] = 'http://127.0.0.1:2/api/v0'; // a restarted local runtime moved the simulator
    const moved = await registry.get('vastai');
    expect(moved).not.toBe(first);
    expect((moved as VastAiClient).baseUrl).toBe('http://127.0.0.1:2/api/v0');
  });

  it('in AWS reads both credentials from the Secrets Manager secret, once per process', async () => {
    const { client, send } = fakeSecrets(async () => ({
      SecretString: JSON.stringify({ VASTAI_API_KEY: 'from-secret', TENSORDOCK_API_TOKEN: 'td-from-secret' }),
    }));
    // the environment's own keys are not used when the secret is configured
    const env = { TABLE_NAME: 't', PROVIDER_SECRET_ARN: ARN, VASTAI_API_KEY: 'from-env' };
    const a = providerRegistryFromEnv({ env, secrets: client });
    const b = providerRegistryFromEnv({ env, secrets: client });
    expect((await a.all()).map((p) => p.name)).toEqual(['vastai', 'tensordock']);
    expect((await b.all()).map((p) => p.name)).toEqual(['vastai', 'tensordock']);
    expect(send).toHaveBeenCalledTimes(1);
    const command = send.mock.calls[0]![0] as GetSecretValueCommand;
    expect(command).toBeInstanceOf(GetSecretValueCommand);
    expect(command.input).toEqual({ SecretId: ARN });
  });

  it('leaves out a provider the secret has no credential for', async () => {
    const { client } = fakeSecrets(async () => ({ SecretString: JSON.stringify({ TENSORDOCK_API_TOKEN: 'td' }) }));
    const registry = providerRegistryFromEnv({ env: { TABLE_NAME: 't', PROVIDER_SECRET_ARN: `${ARN}-2` }, secrets: client });
    expect((await registry.all()).map((p) => p.name)).toEqual(['tensordock']);
    await expect(registry.get('vastai')).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('fails clearly (without echoing the secret) on a malformed secret, and retries a failed read', async () => {
    let calls = 0;
    const { client, send } = fakeSecrets(async () => {
      calls++;
      if (calls === 1) throw new Error('throttled');
      if (calls === 2) return { SecretString: 'VASTAI_API_KEY=super-secret-value' };
      return { SecretString: JSON.stringify({ VASTAI_API_KEY: 'ok' }) };
    });
    const registry = providerRegistryFromEnv({ env: { TABLE_NAME: 't', PROVIDER_SECRET_ARN: `${ARN}-3` }, secrets: client });
    await expect(registry.all()).rejects.toThrow('throttled');
    const malformed = await registry.all().catch((e: Error) => e);
    expect(malformed).toMatchObject({ name: 'ConfigError' });
    expect((malformed as Error).message).not.toContain('super-secret-value');
    expect((await registry.all()).map((p) => p.name)).toEqual(['vastai']);
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('rejects a nonsense request rate', async () => {
    const registry = providerRegistryFromEnv({ env: { TABLE_NAME: 't', VASTAI_API_KEY: 'k', VASTAI_PACING_SCALE: 'fast' } });
    await expect(registry.all()).rejects.toMatchObject({ name: 'ConfigError' });
  });
});

describe('the pacing ledger the registry uses', () => {
  it('is the shared DynamoDB one by default, and in-process only when asked for', async () => {
    const { slotLedgerFromEnv } = await import('../../shared/composition/providers.ts');
    const { DynamoSlotLedger } = await import('../../shared/adapters/dynamodb/pacing-ledger.ts');
    const { MemorySlotLedger } = await import('../../shared/adapters/providers/pacer.ts');
    expect(slotLedgerFromEnv({ TABLE_NAME: 'gpu-shopper' })).toBeInstanceOf(DynamoSlotLedger);
    expect(() => slotLedgerFromEnv({})).toThrow(/TABLE_NAME/);
    expect(slotLedgerFromEnv({ PROVIDER_PACING: 'memory' })).toBeInstanceOf(MemorySlotLedger);
    expect(() => slotLedgerFromEnv({ PROVIDER_PACING: 'bucket', TABLE_NAME: 't' })).toThrow(/PROVIDER_PACING/);
  });

  it('builds no client without the shared ledger', async () => {
    const registry = providerRegistryFromEnv({ env: { VASTAI_API_KEY: 'k' } });
    await expect(registry.all()).rejects.toThrow(/TABLE_NAME/);
  });
});
