// Deployed encryption of secrets at rest: AWS KMS Encrypt/Decrypt under one key, with the context as the KMS
// EncryptionContext (it is logged in CloudTrail and can be required by key-policy conditions).
// Ciphertext: `v1.kms.<CiphertextBlob base64url>`.
import {
  DecryptCommand,
  type DecryptCommandOutput,
  EncryptCommand,
  type EncryptCommandOutput,
} from '@aws-sdk/client-kms';
import { type SecretCipher, SecretCipherError, type SecretContext } from '../../ports/secret-cipher.ts';
import { assertContext } from './context.ts';

const PREFIX = 'v1.kms.';
/** KMS Encrypt takes at most 4096 bytes of plaintext; an ed25519 private key is about 400 */
const MAX_PLAINTEXT_BYTES = 4096;
/** KMS errors that mean "this ciphertext will never decrypt under this key and context" */
const REFUSALS = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

/** The part of KMSClient this adapter uses, so tests can pass a fake. */
export interface KmsSender {
  send(command: EncryptCommand | DecryptCommand): Promise<Partial<EncryptCommandOutput & DecryptCommandOutput>>;
}

export class KmsSecretCipher implements SecretCipher {
  constructor(
    private readonly kms: KmsSender,
    private readonly keyId: string,
  ) {}

  async encrypt(plaintext: string, context: SecretContext): Promise<string> {
    assertContext(context);
    const bytes = Buffer.from(plaintext, 'utf8');
    if (bytes.length > MAX_PLAINTEXT_BYTES) {
      throw new SecretCipherError(`secret is ${bytes.length} bytes; KMS encrypts at most ${MAX_PLAINTEXT_BYTES}`);
    }
    const out = await this.kms.send(
      new EncryptCommand({ KeyId: this.keyId, Plaintext: bytes, EncryptionContext: { ...context } }),
    );
    if (!out.CiphertextBlob) throw new SecretCipherError('KMS Encrypt returned no ciphertext');
    return PREFIX + Buffer.from(out.CiphertextBlob).toString('base64url');
  }

  async decrypt(ciphertext: string, context: SecretContext): Promise<string> {
    assertContext(context);
    const blob = typeof ciphertext === 'string' && ciphertext.startsWith(PREFIX) ? ciphertext.slice(PREFIX.length) : '';
    if (!/^[A-Za-z0-9_-]+$/.test(blob)) throw new SecretCipherError('not a v1.kms ciphertext (the KMS cipher cannot read it)');
    let out: Partial<DecryptCommandOutput>;
    try {
      out = await this.kms.send(
        // naming the key makes KMS refuse a ciphertext made under any other key
        new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: Buffer.from(blob, 'base64url'), EncryptionContext: { ...context } }),
      );
    } catch (err) {
      if (REFUSALS.has((err as Error).name)) {
        throw new SecretCipherError('secret could not be decrypted: wrong context, tampered ciphertext or another key');
      }
      throw err;
    }
    if (!out.Plaintext) throw new SecretCipherError('KMS Decrypt returned no plaintext');
    return Buffer.from(out.Plaintext).toString('utf8');
  }
}
