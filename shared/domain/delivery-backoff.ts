// When a failed webhook delivery is tried again: quickly at first (a receiver restarting), then hours apart (a
// receiver down for the night), for at most a day after the first attempt; after that it is dead-lettered.

const DELIVERY_WINDOW_SECONDS = 24 * 60 * 60;

/** pause after the n-th failed attempt (1-based), in seconds; the last one repeats */
export const BACKOFF_SECONDS = [30, 120, 600, 1800, 3600, 7200, 14_400, 28_800] as const;

interface BackoffOptions {
  /** local runs shrink every pause (and the window) by this factor so tests see retries in seconds */
  scale?: number;
}

/**
 * The pause before the next attempt after `failedAttempts` failures, or undefined when it would fall outside the
 * day that began with the first attempt (the delivery is dead-lettered instead).
 */
export function nextAttemptDelaySeconds(
  failedAttempts: number,
  firstAttemptAt: Date,
  now: Date,
  opts: BackoffOptions = {},
): number | undefined {
  const scale = opts.scale ?? 1;
  const base = BACKOFF_SECONDS[Math.min(Math.max(failedAttempts, 1), BACKOFF_SECONDS.length) - 1]!;
  const delay = base * scale;
  const windowEnd = firstAttemptAt.getTime() + DELIVERY_WINDOW_SECONDS * scale * 1000;
  if (now.getTime() + delay * 1000 > windowEnd) return undefined;
  return delay;
}
