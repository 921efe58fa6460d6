// Local (npm start) encryption of secrets at rest: AES-256-GCM with a 32-byte key kept in a file under DATA_DIR,
// created once with mode 0600. Ciphertext: `v1.local.<iv>.<tag>.<data>`, each part base64url.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../domain/errors.ts';
import { type SecretCipher, SecretCipherError, type SecretContext } from '../../ports/secret-cipher.ts';
import { assertContext, canonicalContext } from './context.ts';

export const LOCAL_KEY_FILE = 'local-secret.key';
const PREFIX = 'v1.local';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const B64URL = /^[A-Za-z0-9_-]*$/;

export class LocalSecretCipher implements SecretCipher {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly keyFile: string) {}

  static inDataDir(dataDir: string): LocalSecretCipher {
    return new LocalSecretCipher(path.join(path.resolve(dataDir), LOCAL_KEY_FILE));
  }

  async encrypt(plaintext: string, context: SecretContext): Promise<string> {
    assertContext(context);
    const key = await this.loadKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(additionalData(context));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [PREFIX, b64url(iv), b64url(cipher.getAuthTag()), b64url(data)].join('.');
  }

  async decrypt(ciphertext: string, context: SecretContext): Promise<string> {
    assertContext(context);
    const parts = typeof ciphertext === 'string' ? ciphertext.split('.') : [];
    if (parts.length !== 5 || `${parts[0]}.${parts[1]}` !== PREFIX || !parts.slice(2).every((p) => B64URL.test(p))) {
      throw new SecretCipherError(`not a ${PREFIX} ciphertext (the local cipher cannot read it)`);
    }
    const [iv, tag, data] = parts.slice(2).map((part) => Buffer.from(part, 'base64url')) as [Buffer, Buffer, Buffer];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretCipherError(`malformed ${PREFIX} ciphertext`);
    const key = await this.loadKey();
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      decipher.setAAD(additionalData(context));
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretCipherError('secret could not be decrypted: wrong context, tampered ciphertext or another key');
    }
  }

  private loadKey(): Promise<Buffer> {
    if (!this.key) {
      const loading = loadOrCreateKey(this.keyFile);
      this.key = loading;
      // a failed load is not cached, so a repaired key file is picked up by the next call
      loading.catch(() => {
        if (this.key === loading) this.key = undefined;
      });
    }
    return this.key;
  }
}

function additionalData(context: SecretContext): Buffer {
  return Buffer.from(`${PREFIX}|${canonicalContext(context)}`, 'utf8');
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

async function loadOrCreateKey(file: string): Promise<Buffer> {
  const existing = await readKeyFile(file);
  if (existing) return existing;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // write a complete temp file, then link it into place: link fails if the key file appeared meanwhile, so two
  // processes starting together agree on one key and nobody ever reads a half-written file
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temp).catch(() => {});
  }
  const created = await readKeyFile(file);
  if (!created) throw new ConfigError(`local secret key file ${file} vanished while it was being created`);
  return created;
}

async function readKeyFile(file: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const key = Buffer.from(text.trim(), 'base64');
  // never replace a damaged key file: every secret encrypted under it would become unreadable
  if (key.length !== KEY_BYTES) {
    throw new ConfigError(`local secret key file ${file} does not hold a base64 ${KEY_BYTES}-byte key; restore or remove it`);
  }
  return key;
}
