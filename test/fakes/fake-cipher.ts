import type { SecretCipher } from '../../shared/ports/secret-cipher.ts';

/** Reversible and context-bound, but not secret: for tests only. */
export const fakeCipher: SecretCipher = {
  async encrypt(plaintext, context) {
    return `fake:${JSON.stringify(context)}:${Buffer.from(plaintext).toString('base64')}`;
  },
  async decrypt(ciphertext, context) {
    const prefix = `fake:${JSON.stringify(context)}:`;
    if (!ciphertext.startsWith(prefix)) throw new Error('fake cipher: wrong context');
    return Buffer.from(ciphertext.slice(prefix.length), 'base64').toString('utf8');
  },
};
