import { createDecipheriv } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../shared/adapters/ssh/keys.ts';
import { LOCAL_KEY_FILE, LocalSecretCipher } from '../../shared/adapters/secrets/local-secret-cipher.ts';
import { SecretCipherError } from '../../shared/ports/secret-cipher.ts';

const dataDir = () => path.join(mkdtempSync(path.join(tmpdir(), 'gs-secrets-')), 'data');
const privateKey = generateSshKeyPair('session-1').private_key;
const context = { session_id: 'sess-1' };

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

function flipByte(ciphertext: string, part: number): string {
  const parts = ciphertext.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('LocalSecretCipher', () => {
  it('round-trips a private key; the ciphertext is versioned and reveals nothing of the key', async () => {
    const cipher = LocalSecretCipher.inDataDir(dataDir());
    const ciphertext = await cipher.encrypt(privateKey, context);
    expect(ciphertext).toMatch(/^v1\.local\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(ciphertext).not.toContain('PRIVATE KEY');
    expect(await cipher.decrypt(ciphertext, context)).toBe(privateKey);
    // a fresh IV each time
    expect(await cipher.encrypt(privateKey, context)).not.toBe(ciphertext);
  });

  it('is AES-256-GCM with the context as additional data (checked with node:crypto directly)', async () => {
    const dir = dataDir();
    const ciphertext = await LocalSecretCipher.inDataDir(dir).encrypt('hello', { session_id: 's', b: '2' });
    const key = Buffer.from(readFileSync(path.join(dir, LOCAL_KEY_FILE), 'utf8').trim(), 'base64');
    const [, , iv, tag, data] = ciphertext.split('.').map((p) => Buffer.from(p, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', key, iv!);
    decipher.setAuthTag(tag!);
    decipher.setAAD(Buffer.from('v1.local|[["b","2"],["session_id","s"]]'));
    expect(Buffer.concat([decipher.update(data!), decipher.final()]).toString()).toBe('hello');
  });

  it('the context is order-independent but bound: another session id does not decrypt', async () => {
    const cipher = LocalSecretCipher.inDataDir(dataDir());
    const ciphertext = await cipher.encrypt(privateKey, { session_id: 'a', deployment: 'd' });
    expect(await cipher.decrypt(ciphertext, { deployment: 'd', session_id: 'a' })).toBe(privateKey);
    const wrongContexts: Array<Record<string, string>> = [
      { session_id: 'b', deployment: 'd' },
      { session_id: 'a' },
      { session_id: 'a', deployment: 'd', x: 'y' },
    ];
    for (const wrong of wrongContexts) {
      const err = await rejection(cipher.decrypt(ciphertext, wrong));
      expect(err).toBeInstanceOf(SecretCipherError);
      expect(err.name).toBe('SecretCipherError');
      expect(err.message).toMatch(/wrong context/);
      expect(err.message).not.toContain('PRIVATE KEY');
    }
  });

  it('tampered iv, tag or data fail with a clear error that holds no plaintext', async () => {
    const cipher = LocalSecretCipher.inDataDir(dataDir());
    const ciphertext = await cipher.encrypt(privateKey, context);
    for (const part of [2, 3, 4]) {
      const err = await rejection(cipher.decrypt(flipByte(ciphertext, part), context));
      expect(err).toBeInstanceOf(SecretCipherError);
      expect(err.message).toMatch(/tampered/);
      expect(err.message).not.toContain(privateKey.split('\n')[1]!);
    }
    for (const garbage of ['', 'v1.kms.AAAA', 'v2.local.a.b.c', 'v1.local.a.b', 'v1.local.!!.b.c', `${ciphertext}.x`]) {
      await expect(cipher.decrypt(garbage, context)).rejects.toBeInstanceOf(SecretCipherError);
    }
    // truncated iv/tag
    const [p, k, , tag, data] = ciphertext.split('.');
    await expect(cipher.decrypt([p, k, 'AAAA', tag, data].join('.'), context)).rejects.toThrow(/malformed/);
  });

  it('creates the key file once with mode 0600 and reuses it across instances', async () => {
    const dir = dataDir();
    const file = path.join(dir, LOCAL_KEY_FILE);
    const first = LocalSecretCipher.inDataDir(dir);
    const ciphertext = await first.encrypt(privateKey, context);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const keyText = readFileSync(file, 'utf8');
    expect(Buffer.from(keyText.trim(), 'base64')).toHaveLength(32);
    const second = LocalSecretCipher.inDataDir(dir);
    expect(await second.decrypt(ciphertext, context)).toBe(privateKey);
    await second.encrypt('more', context);
    expect(readFileSync(file, 'utf8')).toBe(keyText);
  });

  it('instances racing to create the key agree on one key', async () => {
    const dir = dataDir();
    const ciphers = Array.from({ length: 8 }, () => LocalSecretCipher.inDataDir(dir));
    const ciphertexts = await Promise.all(ciphers.map((cipher, i) => cipher.encrypt(`secret ${i}`, context)));
    const reader = LocalSecretCipher.inDataDir(dir);
    for (const [i, ciphertext] of ciphertexts.entries()) expect(await reader.decrypt(ciphertext, context)).toBe(`secret ${i}`);
  });

  it('another key file cannot decrypt', async () => {
    const ciphertext = await LocalSecretCipher.inDataDir(dataDir()).encrypt(privateKey, context);
    await expect(LocalSecretCipher.inDataDir(dataDir()).decrypt(ciphertext, context)).rejects.toBeInstanceOf(SecretCipherError);
  });

  it('refuses a damaged key file instead of replacing it, without printing it', async () => {
    const dir = dataDir();
    await LocalSecretCipher.inDataDir(dir).encrypt('x', context);
    const file = path.join(dir, LOCAL_KEY_FILE);
    writeFileSync(file, 'c2hvcnQ=\n');
    const err = await rejection(LocalSecretCipher.inDataDir(dir).encrypt('x', context));
    expect(err.name).toBe('ConfigError');
    expect(err.message).toContain('restore or remove it');
    expect(err.message).not.toContain('c2hvcnQ');
    expect(readFileSync(file, 'utf8')).toBe('c2hvcnQ=\n');
  });

  it('requires a non-empty context', async () => {
    const cipher = LocalSecretCipher.inDataDir(dataDir());
    await expect(cipher.encrypt('x', {})).rejects.toThrow(/at least one entry/);
    await expect(cipher.encrypt('x', { session_id: '' })).rejects.toThrow(/non-empty/);
  });
});
