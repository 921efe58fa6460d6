// Public keys are checked before they reach a provider: a key with a newline or quote in the wrong place would
// otherwise end up inside a cloud-init command line or a provider's authorized_keys.
import { InvalidProviderRequestError } from '../../domain/provider-errors.ts';

const PUBLIC_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) ([A-Za-z0-9+/]+={0,3})(?: [^\r\n\0]*)?$/;

/** Trimmed, de-duplicated keys; throws InvalidProviderRequestError when one is not an OpenSSH public key. */
export function checkPublicKeys(keys: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of keys) {
    const key = raw.trim();
    const m = PUBLIC_KEY.exec(key);
    if (!m) throw new InvalidProviderRequestError('not an OpenSSH public key', { field: 'ssh_public_keys' });
    if (seen.has(m[2]!)) continue;
    seen.add(m[2]!);
    out.push(key);
  }
  return out;
}

/** The base64 body of a public key: what identifies it, whatever the comment. */
export function publicKeyBody(key: string): string {
  return key.trim().split(/\s+/)[1] ?? '';
}

/** Quotes a string for a POSIX shell: 'it'\''s'. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
