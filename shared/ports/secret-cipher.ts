// Encryption of secrets at rest (session private keys): KMS in AWS, a local key in the local runtime. The context
// (e.g. {session_id}) is bound to the ciphertext (KMS EncryptionContext / AES-GCM additional data): a ciphertext
// copied onto another record, or decrypted under another context, fails.
import { PermanentError } from '../domain/errors.ts';

export type SecretContext = Record<string, string>;

export interface SecretCipher {
  /** `context` must have at least one entry; the same context is needed to decrypt. */
  encrypt(plaintext: string, context: SecretContext): Promise<string>;
  /** Throws SecretCipherError for a wrong context, a tampered or foreign ciphertext. */
  decrypt(ciphertext: string, context: SecretContext): Promise<string>;
}

/** Decryption or encryption was refused for this input; retrying will not help. Never carries plaintext. */
export class SecretCipherError extends PermanentError {
  override readonly name = 'SecretCipherError';
  readonly errorType = 'secret_cipher_error';
}
