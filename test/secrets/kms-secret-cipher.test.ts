import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KmsSecretCipher, type KmsSender } from '../../shared/adapters/secrets/kms-secret-cipher.ts';
import { LocalSecretCipher } from '../../shared/adapters/secrets/local-secret-cipher.ts';
import { secretCipherFromEnv } from '../../shared/composition/secret-cipher.ts';
import { SecretCipherError } from '../../shared/ports/secret-cipher.ts';

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Behaves like KMS for what the adapter relies on: opaque blobs, bound to key and encryption context. */
class FakeKms implements KmsSender {
  readonly commands: Array<EncryptCommand | DecryptCommand> = [];
  private readonly stored = new Map<string, { keyId: string; plaintext: Uint8Array; context: string }>();
  failWith: Error | undefined;

  async send(command: EncryptCommand | DecryptCommand) {
    this.commands.push(command);
    if (this.failWith) throw this.failWith;
    if (command instanceof EncryptCommand) {
      const { KeyId, Plaintext, EncryptionContext } = command.input;
      const blob = randomBytes(48);
      this.stored.set(blob.toString('hex'), { keyId: KeyId!, plaintext: Plaintext!, context: JSON.stringify(sorted(EncryptionContext)) });
      return { CiphertextBlob: new Uint8Array(blob), KeyId };
    }
    const { KeyId, CiphertextBlob, EncryptionContext } = command.input;
    const entry = this.stored.get(Buffer.from(CiphertextBlob!).toString('hex'));
    if (!entry || entry.context !== JSON.stringify(sorted(EncryptionContext))) throw named('InvalidCiphertextException');
    if (KeyId !== entry.keyId) throw named('IncorrectKeyException');
    return { Plaintext: entry.plaintext, KeyId };
  }
}

function sorted(context: Record<string, string> | undefined) {
  return Object.entries(context ?? {}).sort(([a], [b]) => a.localeCompare(b));
}

function named(name: string): Error {
  return Object.assign(new Error(`${name} from KMS`), { name });
}

const privateKey = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

describe('KmsSecretCipher', () => {
  it('sends Encrypt/Decrypt with the key id and the context as EncryptionContext, and round-trips', async () => {
    const kms = new FakeKms();
    const cipher = new KmsSecretCipher(kms, KEY_ARN);
    const ciphertext = await cipher.encrypt(privateKey, { session_id: 'sess-1' });
    expect(ciphertext).toMatch(/^v1\.kms\.[A-Za-z0-9_-]+$/);
    expect(await cipher.decrypt(ciphertext, { session_id: 'sess-1' })).toBe(privateKey);

    const [encrypt, decrypt] = kms.commands;
    expect(encrypt).toBeInstanceOf(EncryptCommand);
    expect(encrypt!.input).toMatchObject({ KeyId: KEY_ARN, EncryptionContext: { session_id: 'sess-1' } });
    expect(Buffer.from((encrypt as EncryptCommand).input.Plaintext!).toString()).toBe(privateKey);
    expect(decrypt).toBeInstanceOf(DecryptCommand);
    expect(decrypt!.input).toMatchObject({ KeyId: KEY_ARN, EncryptionContext: { session_id: 'sess-1' } });
    expect(Buffer.from((decrypt as DecryptCommand).input.CiphertextBlob!).toString('base64url')).toBe(
      ciphertext.slice('v1.kms.'.length),
    );
  });

  it('a wrong context or another key fails as SecretCipherError with no plaintext', async () => {
    const kms = new FakeKms();
    const ciphertext = await new KmsSecretCipher(kms, KEY_ARN).encrypt(privateKey, { session_id: 'a' });
    for (const [keyId, context] of [
      [KEY_ARN, { session_id: 'b' }],
      ['arn:aws:kms:us-east-1:111122223333:key/other', { session_id: 'a' }],
    ] as const) {
      const err = await new KmsSecretCipher(kms, keyId).decrypt(ciphertext, context).catch((e: Error) => e);
      expect(err).toBeInstanceOf(SecretCipherError);
      expect((err as Error).message).toMatch(/wrong context/);
      expect((err as Error).message).not.toContain('OPENSSH');
    }
  });

  it('rejects foreign or malformed ciphertexts without calling KMS', async () => {
    const kms = new FakeKms();
    const cipher = new KmsSecretCipher(kms, KEY_ARN);
    for (const garbage of ['', 'v1.kms.', 'v1.local.a.b.c', 'v1.kms.not base64!']) {
      await expect(cipher.decrypt(garbage, { session_id: 'a' })).rejects.toBeInstanceOf(SecretCipherError);
    }
    expect(kms.commands).toHaveLength(0);
  });

  it('passes other KMS failures (throttling, network) through unchanged, so callers can retry them', async () => {
    const kms = new FakeKms();
    const cipher = new KmsSecretCipher(kms, KEY_ARN);
    const ciphertext = await cipher.encrypt('x', { session_id: 'a' });
    kms.failWith = named('ThrottlingException');
    await expect(cipher.decrypt(ciphertext, { session_id: 'a' })).rejects.toMatchObject({ name: 'ThrottlingException' });
    await expect(cipher.encrypt('x', { session_id: 'a' })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('refuses plaintexts KMS cannot take and empty contexts, before calling KMS', async () => {
    const kms = new FakeKms();
    const cipher = new KmsSecretCipher(kms, KEY_ARN);
    await expect(cipher.encrypt('x'.repeat(4097), { session_id: 'a' })).rejects.toThrow(/at most 4096/);
    await expect(cipher.encrypt('x', {})).rejects.toThrow(/at least one entry/);
    expect(kms.commands).toHaveLength(0);
  });
});

describe('secretCipherFromEnv', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('uses KMS when SSH_KEY_KMS_KEY_ID is set, once per process', () => {
    vi.stubEnv('SSH_KEY_KMS_KEY_ID', KEY_ARN);
    const cipher = secretCipherFromEnv();
    expect(cipher).toBeInstanceOf(KmsSecretCipher);
    expect(secretCipherFromEnv()).toBe(cipher);
  });

  it('otherwise uses the local cipher with its key file under DATA_DIR', async () => {
    vi.stubEnv('SSH_KEY_KMS_KEY_ID', '');
    const dir = mkdtempSync(path.join(tmpdir(), 'gs-env-'));
    vi.stubEnv('DATA_DIR', dir);
    const cipher = secretCipherFromEnv();
    expect(cipher).toBeInstanceOf(LocalSecretCipher);
    const ciphertext = await cipher.encrypt('x', { session_id: 'a' });
    expect(await LocalSecretCipher.inDataDir(dir).decrypt(ciphertext, { session_id: 'a' })).toBe('x');
  });
});
