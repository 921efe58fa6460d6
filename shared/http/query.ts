// Query-string helpers on top of validate.ts: as existing clients expect, an empty parameter (`?gpu_type=`) means
// the same as an absent one.
import * as z from 'zod';
import { PROVIDERS } from '../domain/offer.ts';

export function presentParams(raw: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined && v.trim() !== '') out[k] = v;
  return out;
}

/** A provider name in any letter case; anything else is a 400 listing the known ones. */
export const providerParam = () => z.string().trim().toLowerCase().pipe(z.enum(PROVIDERS));

/** free text to match against (GPU names, locations) */
export const textParam = () => z.string().trim().max(100);
