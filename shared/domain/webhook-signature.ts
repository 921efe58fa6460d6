// Signed deliveries, as Stripe and GitHub sign theirs: `GpuShopper-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<body>">`. The timestamp is inside the MAC, so a captured delivery cannot be replayed later than the receiver's
// tolerance; the receiver compares in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'GpuShopper-Signature';

function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, body)}`;
}

type SignatureCheck = { valid: true } | { valid: false; reason: 'malformed' | 'mismatch' | 'too_old' };

/** What a receiver runs: any v1 matching (several appear while a secret is rotated), and a fresh timestamp. */
export function verifySignature(
  header: string | undefined,
  secret: string,
  body: string,
  opts: { now?: Date; toleranceSeconds?: number } = {},
): SignatureCheck {
  if (!header) return { valid: false, reason: 'malformed' };
  const parts = header.split(',').map((p) => p.trim().split('=', 2) as [string, string | undefined]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const given = parts.filter(([k, v]) => k === 'v1' && v && /^[0-9a-f]{64}$/.test(v)).map(([, v]) => v!);
  if (!Number.isInteger(t) || given.length === 0) return { valid: false, reason: 'malformed' };
  const expected = Buffer.from(signatureOf(secret, t, body), 'hex');
  if (!given.some((v) => timingSafeEqual(Buffer.from(v, 'hex'), expected))) return { valid: false, reason: 'mismatch' };
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? 300)) return { valid: false, reason: 'too_old' };
  return { valid: true };
}
