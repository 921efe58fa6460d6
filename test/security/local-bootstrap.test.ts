// The documented local bootstrap with API keys on: `AUTH_MODE=api-key npm start`, then `npm run ops -- keys create
// --admin` finds the running runtime through DATA_DIR and mints the first admin key, which the API then accepts.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.ts';
import { startLocalProcess } from '../support/local-process.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function ops(args: string[], env: Record<string, string>) {
  const inherited = { ...process.env };
  for (const key of ['DYNAMODB_ENDPOINT', 'TABLE_NAME']) delete inherited[key];
  return promisify(execFile)(path.join(ROOT, 'node_modules/.bin/tsx'), ['bin/ops.ts', ...args], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    timeout: 60_000,
  });
}

describe('npm start with AUTH_MODE=api-key', () => {
  it('refuses keyless calls, and accepts the admin key `npm run ops -- keys create --admin` mints', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gs-auth-'));
    const env = { PORT: String(await freePort()), DATA_DIR: dataDir, AUTH_MODE: 'api-key' };
    // nothing running yet: ops says so instead of guessing
    await expect(ops(['keys', 'list'], { DATA_DIR: dataDir })).rejects.toMatchObject({ stderr: expect.stringContaining('runtime.json is missing') });

    const local = await startLocalProcess(env);
    try {
      expect(local.output()).toContain('API keys required (AUTH_MODE=api-key)');
      expect((await fetch(`${local.url}/health`)).status).toBe(200);
      const keyless = await fetch(`${local.url}/api/v1/inventory`);
      expect(keyless.status).toBe(401);
      expect(await keyless.json()).toEqual({ message: 'Unauthorized' });

      const { stdout, stderr } = await ops(['keys', 'create', '--admin', '--label', 'first'], { DATA_DIR: dataDir });
      const key = stdout.trim();
      expect(key).toMatch(/^gsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(stderr).toContain('shown only now');
      expect(stderr).not.toContain(key);

      const withKey = await fetch(`${local.url}/api/v1/keys`, { headers: { authorization: `Bearer ${key}` } });
      expect(withKey.status).toBe(200);
      const { keys } = (await withKey.json()) as { keys: { prefix: string; admin: boolean; label: string }[] };
      expect(keys).toEqual([expect.objectContaining({ prefix: key.slice(0, 16), admin: true, label: 'first' })]);
      // the process's own output never shows the key
      expect(local.output()).not.toContain(key.slice(17));
    } finally {
      // (the exit code is not this test's business: under load tsx may relay a second Ctrl-C, which skips the wait)
      await local.interrupt();
    }
    await expect(ops(['keys', 'list'], { DATA_DIR: dataDir })).rejects.toMatchObject({
      stderr: expect.stringMatching(/is missing|no longer running/),
    });
  }, 120_000);
});
