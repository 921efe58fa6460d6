// SSH keys: a fresh key pair per session, validation of consumer-supplied public keys, and SHA-256 fingerprints
// in the form `ssh-keygen -lf` prints them.
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { ValidationError } from '../../domain/errors.ts';
import type { SshKeyPair } from '../../ports/ssh-prober.ts';

// ssh2 is CommonJS: under Node's own ESM loader (tsx, npm start) only its default export carries `utils`
const { utils } = ssh2;

/** `SHA256:<unpadded base64>` of an SSH wire-format key blob (a host key or a public key). */
export function hostKeyFingerprint(rawKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(rawKey).digest('base64').replace(/=+$/, '')}`;
}

/** wire blob of an ed25519 public key: string "ssh-ed25519" (4 + 11) + string key (4 + 32) */
const ED25519_BLOB_BYTES = 51;
const MAX_KEYGEN_ATTEMPTS = 8;

/** A new unencrypted ed25519 key pair in OpenSSH format; the comment ends up in the public key line. */
export function generateSshKeyPair(comment: string): SshKeyPair {
  // ssh2 1.17's keygen strips leading zero bytes from the ed25519 public key, so one key in 256 comes out with a
  // 31-byte public key that neither ssh2 nor OpenSSH can use: check each pair and draw again
  for (let attempt = 1; attempt <= MAX_KEYGEN_ATTEMPTS; attempt += 1) {
    const pair = utils.generateKeyPairSync('ed25519', { comment: singleLine(comment) });
    const blob = Buffer.from(pair.public.split(' ')[1] ?? '', 'base64');
    const parsed = utils.parseKey(pair.private);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (blob.length === ED25519_BLOB_BYTES && key && !(key instanceof Error) && key.getPublicSSH().equals(blob)) {
      return { private_key: pair.private, public_key: pair.public, fingerprint: hostKeyFingerprint(blob) };
    }
  }
  throw new Error(`ssh2 produced ${MAX_KEYGEN_ATTEMPTS} malformed ed25519 key pairs in a row`);
}

const ALLOWED_TYPES = new Set(['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']);
// a 16384-bit RSA key is about 2.8 KB as a line; anything much larger is not a key anybody uses
const MAX_LINE = 8192;
const MAX_COMMENT = 256;
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 16384;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function invalid(reason: string): ValidationError {
  // the message never echoes the input: a pasted private key must not come back in an error
  return new ValidationError(`ssh_public_key ${reason}`, { field: 'ssh_public_key' }, 'invalid_ssh_public_key');
}

/**
 * Validates an OpenSSH public key line (`<type> <base64> [comment]`) and returns it normalised to one line:
 * ed25519, ECDSA (P-256/384/521) or RSA of at least 2048 bits. Rejects private keys, several keys, authorized_keys
 * options and oversized input with a ValidationError (`invalid_ssh_public_key`).
 */
export function parsePublicKey(text: string): string {
  if (typeof text !== 'string') throw invalid('must be a string');
  if (text.length > MAX_LINE) throw invalid(`is longer than ${MAX_LINE} characters`);
  if (/PRIVATE KEY/.test(text)) throw invalid('is a private key; send the public key (the .pub file)');
  const line = text.trim();
  if (line === '') throw invalid('is empty');
  if (/[\r\n]/.test(line)) throw invalid('must be a single key on one line');
  const [type = '', data = '', ...rest] = line.split(/[ \t]+/);
  if (!ALLOWED_TYPES.has(type)) {
    // `command="…" ssh-ed25519 AAAA…` is an authorized_keys entry with options, which would let a caller restrict
    // (or hijack) what the login runs
    const hasOptions = [data, ...rest].some((token) => ALLOWED_TYPES.has(token));
    throw invalid(
      hasOptions
        ? 'must start with the key type; authorized_keys options are not accepted'
        : `has an unsupported key type (allowed: ${[...ALLOWED_TYPES].join(', ')})`,
    );
  }
  if (!BASE64.test(data)) throw invalid('has malformed key data');
  const blob = Buffer.from(data, 'base64');
  if (readString(blob, 0)?.value.toString('latin1') !== type) throw invalid('key data does not match its type');
  const parsed = utils.parseKey(`${type} ${data}`);
  if (parsed instanceof Error || Array.isArray(parsed) || parsed.isPrivateKey() || parsed.type !== type) {
    throw invalid('is not a valid OpenSSH public key');
  }
  if (type === 'ssh-rsa') {
    const bits = rsaModulusBits(blob);
    if (bits === undefined) throw invalid('is not a valid OpenSSH public key');
    if (bits < MIN_RSA_BITS) throw invalid(`is an RSA key of ${bits} bits; at least ${MIN_RSA_BITS} are required`);
    if (bits > MAX_RSA_BITS) throw invalid(`is an RSA key of ${bits} bits; at most ${MAX_RSA_BITS} are accepted`);
  }
  const comment = singleLine(rest.join(' '));
  if (comment.length > MAX_COMMENT) throw invalid(`has a comment longer than ${MAX_COMMENT} characters`);
  return comment ? `${type} ${data} ${comment}` : `${type} ${data}`;
}

function singleLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters would break the authorized_keys line
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** SSH wire `string`: uint32 length + bytes. */
function readString(buf: Buffer, offset: number): { value: Buffer; next: number } | undefined {
  if (offset + 4 > buf.length) return undefined;
  const len = buf.readUInt32BE(offset);
  const end = offset + 4 + len;
  if (end > buf.length) return undefined;
  return { value: buf.subarray(offset + 4, end), next: end };
}

/** ssh-rsa blob: string type, mpint e, mpint n. */
function rsaModulusBits(blob: Buffer): number | undefined {
  const type = readString(blob, 0);
  const e = type && readString(blob, type.next);
  const n = e && readString(blob, e.next);
  if (!n || n.next !== blob.length) return undefined;
  let bytes = n.value;
  while (bytes.length > 0 && bytes[0] === 0) bytes = bytes.subarray(1);
  if (bytes.length === 0) return undefined;
  return (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0]!));
}
