// API keys: `gsk_<id>_<secret>`. The id (12 hex) names the key and is its public prefix; the secret is 32 random
// bytes (base64url). Only SHA-256 of the whole key is stored: a high-entropy key needs no slow hash, and the id
// lets the authorizer read exactly one item instead of searching by hash.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const API_KEY_PATTERN = /^gsk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
export const API_KEY_ID = /^[0-9a-f]{12}$/;

export interface ApiKeyRecord {
  key_id: string;
  /** `gsk_<id>`: what operators see to tell keys apart */
  prefix: string;
  /** SHA-256 (hex) of the whole key */
  hash: string;
  /** the consumer the key acts for; absent for admin keys */
  consumer_id?: string;
  admin: boolean;
  label?: string;
  created_at: string;
  revoked_at?: string;
}

/** What a key may be shown as: never its hash. */
export type ApiKeyView = Omit<ApiKeyRecord, 'hash'>;

export interface MintedKey {
  key: string;
  key_id: string;
  prefix: string;
  hash: string;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function mintApiKey(random: (bytes: number) => Buffer = randomBytes): MintedKey {
  const keyId = random(6).toString('hex');
  const key = `gsk_${keyId}_${random(32).toString('base64url')}`;
  return { key, key_id: keyId, prefix: `gsk_${keyId}`, hash: hashApiKey(key) };
}

/** The key id of a well-formed key, or undefined. */
export function parseApiKey(key: string): { key_id: string } | undefined {
  const m = API_KEY_PATTERN.exec(key);
  return m ? { key_id: m[1]! } : undefined;
}

/** `Authorization: Bearer <key>` → the key; anything else → undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const m = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header.trim());
  return m?.[1];
}

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

export function viewOf(record: ApiKeyRecord): ApiKeyView {
  const { hash: _hash, ...view } = record;
  return view;
}
