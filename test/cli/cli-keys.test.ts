// The CLI with API keys on (AUTH_MODE=api-key): the keys commands against the real key routes and authorizer of the
// local runtime, the key sent from --api-key or GPU_SHOPPER_API_KEY, and refusals as one line.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.ts';
import type { ScenarioInput } from '../../local/sim/scenario.ts';
import { DynamoApiKeyStore } from '../../shared/adapters/dynamodb/api-key-store.ts';
import { createDocumentClient } from '../../shared/composition/dynamodb.ts';
import { createApiKey } from '../../shared/use-cases/keys/manage-keys.ts';
import { type Harness, startHarness } from '../support/runtime-harness.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/gpu-shopper.js');

const scenario: ScenarioInput = {
  vastai: { offers: [{ gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US', count: 2 }] },
};

let h: Harness;
let adminKey: string;

beforeAll(async () => {
  h = await startHarness(scenario, { AUTH_MODE: 'api-key', AUTH_CACHE_SECONDS: '0' });
  // the first admin key, as `npm run ops -- keys create --admin` mints it: straight into the table
  const store = new DynamoApiKeyStore(createDocumentClient(h.runtime.dynamoDbEndpoint), h.runtime.tableName);
  adminKey = (await createApiKey({ keys: store, clock: () => new Date() }, { admin: true, label: 'bootstrap' })).api_key;
});

afterAll(async () => {
  await h?.stop();
});

async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--server', h.url, ...args], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
  });
  return { code, stdout, stderr };
}

describe('gpu-shopper with API keys', () => {
  it('an admin mints, lists and revokes a consumer key; the consumer key works until it is revoked', async () => {
    // the real binary, with the admin key from the environment
    const created = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, 'keys', 'create', '--consumer', 'team-cli', '--label', 'laptop'],
        { env: { ...process.env, GPU_SHOPPER_URL: h.url, GPU_SHOPPER_API_KEY: adminKey }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? Number(err.code) : 0 }),
      );
    });
    expect(created.code, created.stderr).toBe(0);
    const consumerKey = /api key \(shown once; keep it secret\): (gsk_\S+)/.exec(created.stdout)?.[1];
    expect(consumerKey).toMatch(/^gsk_[0-9a-f]{12}_/);
    const keyId = consumerKey!.slice(4, 16);
    expect(created.stdout).toMatch(new RegExp(`^${keyId}\\s+gsk_${keyId}…\\s+team-cli\\s+no\\s+laptop\\s`, 'm'));

    const listed = await cli(['--api-key', adminKey, 'keys', 'list', '-c', 'team-cli', '-o', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    const keys = (JSON.parse(listed.stdout) as { keys: { key_id: string; consumer_id: string; revoked_at?: string }[] }).keys;
    expect(keys).toEqual([expect.objectContaining({ key_id: keyId, consumer_id: 'team-cli' })]);
    expect(listed.stdout).not.toContain(consumerKey!.slice(17));

    // the consumer's key reads inventory; it may not manage keys
    const inventory = await cli(['inventory', '-o', 'json'], { GPU_SHOPPER_API_KEY: consumerKey! });
    expect(inventory.code, inventory.stderr).toBe(0);
    expect((JSON.parse(inventory.stdout) as { total: number }).total).toBe(2);
    const notAdmin = await cli(['--api-key', consumerKey!, 'keys', 'list']);
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stderr).toMatch(/^error: forbidden: .+ \(request id [\w-]+\)\n$/);

    const revoked = await cli(['--api-key', adminKey, 'keys', 'revoke', keyId]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^key ${keyId} \\(gsk_${keyId}…, team-cli\\) revoked at \\d{4}-\\d{2}-\\d{2} `));
    const refused = await cli(['inventory'], { GPU_SHOPPER_API_KEY: consumerKey! });
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(/^error: unauthorized: Unauthorized \(no API key, or one that is unknown or revoked: --api-key or GPU_SHOPPER_API_KEY\)/);
    expect(refused.stderr.split('\n').filter(Boolean)).toHaveLength(1);

    const none = await cli(['sessions', 'list']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^error: unauthorized: /);
  });
});
