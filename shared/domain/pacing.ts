// "Next allowed slot" arithmetic for provider pacing. One limiter per (provider, endpoint, credential) keeps the
// earliest time the next request may go out (`next_at`); a caller takes the slot max(now, next_at) and moves
// next_at one interval past it. Callers are served in arrival order, and two slots are never closer than the
// interval, however many execution environments reserve them. Pure: the stores apply it atomically.

export interface SlotRequest {
  now: number;
  intervalMs: number;
  /** the longest a caller may wait for its slot; beyond it, nothing is reserved */
  maxWaitMs: number;
}

export type SlotDecision =
  /** the caller sends at `at` (≥ now); the limiter's next_at becomes `next` */
  | { kind: 'slot'; at: number; next: number }
  /** the next slot is `at`, more than maxWaitMs away: the limiter is left unchanged */
  | { kind: 'too_long'; at: number; waitMs: number };

/** The decision for a caller arriving at `now` at a limiter whose next free slot is `nextAt` (undefined: never used). */
export function decideSlot(nextAt: number | undefined, request: SlotRequest): SlotDecision {
  const at = Math.max(request.now, nextAt ?? request.now);
  const waitMs = at - request.now;
  if (waitMs > request.maxWaitMs) return { kind: 'too_long', at, waitMs };
  return { kind: 'slot', at, next: at + request.intervalMs };
}

/** A 429 closes the endpoint for the penalty (or one interval): next_at moves to at least now + that, never back. */
export function penalizedNextAt(nextAt: number | undefined, now: number, closedForMs: number): number {
  return Math.max(nextAt ?? 0, now + closedForMs);
}

/**
 * A caller's place kept in a limiter's queue (epoch ms): the slot reserved for it, and when to come back for it (a
 * little before, so a cold start still makes it in time).
 */
export interface PacingPlace {
  slot_at: number;
  wake_at: number;
}
