// Encryption of secrets at rest (session private keys): KMS in AWS, a local key in the local runtime. The context is
// bound to the ciphertext (KMS EncryptionContext / AES-GCM additional data): decrypting under another context fails.

export interface SecretCipher {
  encrypt(plaintext: string, context: Record<string, string>): Promise<string>;
  decrypt(ciphertext: string, context: Record<string, string>): Promise<string>;
}
