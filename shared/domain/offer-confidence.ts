// How likely an offer is to turn into a working instance, 0–1: the provider's reliability, discounted while the
// snapshot ages and by the offer's recent failures (offer-health.ts).

/** Reliability assumed when a provider reports none (0 or missing). */
const UNKNOWN_RELIABILITY = 0.5;
/** A snapshot younger than this counts as fresh. */
const FRESH_SECONDS = 120;
/** From FRESH_SECONDS to this age confidence falls linearly to STALE_FACTOR, then stays there. */
const STALE_SECONDS = 300;
const STALE_FACTOR = 0.5;

export function stalenessFactor(ageSeconds: number): number {
  if (ageSeconds <= FRESH_SECONDS) return 1;
  if (ageSeconds >= STALE_SECONDS) return STALE_FACTOR;
  return 1 - ((ageSeconds - FRESH_SECONDS) / (STALE_SECONDS - FRESH_SECONDS)) * (1 - STALE_FACTOR);
}

export function offerConfidence(reliability: number, ageSeconds: number, healthMultiplier: number): number {
  const base = Number.isFinite(reliability) && reliability > 0 ? Math.min(reliability, 1) : UNKNOWN_RELIABILITY;
  return Math.round(base * stalenessFactor(ageSeconds) * healthMultiplier * 1000) / 1000;
}
