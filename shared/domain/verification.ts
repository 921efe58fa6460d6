// The SSH verification deadline: one per phase, measured from the phase's start.

const DEFAULT_SSH_DEADLINE_MINUTES = 10;
/** learned deadlines stay within these bounds */
const LEARNED_MIN_MINUTES = 3;
const LEARNED_MAX_MINUTES = 20;
/** a provider still loading the instance extends the deadline by this much at a time … */
const LOADING_EXTENSION_MINUTES = 2;
/** … up to this much beyond the base deadline */
const LOADING_EXTENSION_CAP_MINUTES = 15;
/** genuine auth rejections this many times in a row (over the configured window) fail fast */
export const AUTH_REJECTIONS_TO_FAIL = 3;
/** fewer successful verifications than this for a provider and GPU: use the default */
const MIN_HISTORY = 5;

interface DeadlineChoice {
  ms: number;
  source: 'request' | 'learned' | 'default';
}

/**
 * Per request if given; else learned from this provider+GPU's recent verification times (three times their 90th
 * percentile, within bounds); else the default. A heavy image (vLLM, NeMo…) scales the learned or default budget
 * by its factor: its pull and start take longer than the images the history was learned from.
 */
export function verificationDeadline(
  requestMinutes: number | undefined,
  historyMs: number[],
  defaultMs = DEFAULT_SSH_DEADLINE_MINUTES * 60_000,
  imageFactor = 1,
): DeadlineChoice {
  if (requestMinutes !== undefined) return { ms: requestMinutes * 60_000, source: 'request' };
  if (historyMs.length >= MIN_HISTORY) {
    const sorted = [...historyMs].sort((a, b) => a - b);
    const p90 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.9) - 1)]!;
    const minutes = Math.min(LEARNED_MAX_MINUTES, Math.max(LEARNED_MIN_MINUTES, Math.ceil((3 * p90) / 60_000)));
    return { ms: Math.round(minutes * 60_000 * imageFactor), source: 'learned' };
  }
  return { ms: Math.round(defaultMs * imageFactor), source: 'default' };
}

/** The entrypoint server's deadline: per request if given, else the default scaled by the image's factor. */
export function apiDeadline(
  requestMinutes: number | undefined,
  defaultMs: number,
  imageFactor = 1,
): { ms: number; source: 'request' | 'default' } {
  if (requestMinutes !== undefined) return { ms: requestMinutes * 60_000, source: 'request' };
  return { ms: Math.round(defaultMs * imageFactor), source: 'default' };
}

export function extendedDeadline(baseDeadline: Date, currentDeadline: Date, now: Date): Date | undefined {
  const cap = baseDeadline.getTime() + LOADING_EXTENSION_CAP_MINUTES * 60_000;
  if (currentDeadline.getTime() >= cap) return undefined;
  return new Date(Math.min(cap, Math.max(now.getTime(), currentDeadline.getTime()) + LOADING_EXTENSION_MINUTES * 60_000));
}
