// Files under DATA_DIR that hold key material or consumers' commands are the owner's alone, whatever the umask.
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir, restrictFiles, writePrivateFile } from '../../local/private-files.ts';
import { LocalSecretCipher } from '../../shared/adapters/secrets/local-secret-cipher.ts';

const mode = (file: string) => statSync(file).mode & 0o777;
let umask: number;
beforeEach(() => {
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
});

describe('private files under DATA_DIR', () => {
  it('writes files 0600 in 0700 directories, also over a leftover temp file and an existing looser directory', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'private-'));
    const dir = path.join(root, 'stepfunctions');
    ensurePrivateDir(dir);
    chmodSync(dir, 0o755);
    const file = path.join(dir, 'exec.json');
    writeFileSync(`${file}.${process.pid}.tmp`, 'old', { mode: 0o644 });
    writePrivateFile(file, '{"session_id":"s1"}');
    expect(mode(dir)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('{"session_id":"s1"}');
  });

  it('narrows files another program created with the umask (DynamoDB Local’s database)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ddb-'));
    writeFileSync(path.join(dir, 'shared-local-instance.db'), 'x', { mode: 0o644 });
    restrictFiles(dir);
    expect(mode(path.join(dir, 'shared-local-instance.db'))).toBe(0o600);
  });

  it('creates the local secret cipher key 0600', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'key-'));
    const cipher = new LocalSecretCipher(path.join(dir, 'local-secret.key'));
    await cipher.encrypt('secret', { session_id: 's1' });
    expect(mode(path.join(dir, 'local-secret.key'))).toBe(0o600);
  });
});

