// Deterministic randomness for the simulated marketplaces: the same scenario seed gives the same offers,
// ids and boot delays, so a scenario file describes one reproducible market.
import { createHash } from 'node:crypto';

/** mulberry32: small, fast, good enough for simulation. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUID-shaped id derived from the given parts (stable across restarts). */
export function stableUuid(...parts: (string | number)[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A stable integer in [min, max) derived from the given parts. */
export function stableInt(min: number, max: number, ...parts: (string | number)[]): number {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  return min + (h.readUInt32BE(0) % (max - min));
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A value in [min, max]. */
export function between(random: () => number, [min, max]: readonly [number, number]): number {
  return min + random() * (max - min);
}
