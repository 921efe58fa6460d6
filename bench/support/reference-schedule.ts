// The reference system's SSH verification schedule (reference-system.md §3.4): the first attempt one interval after
// the instance is created, intervals of 15 s growing ×1.5 up to 60 s (15, 37.5, 71.25, 121.9, 181.9, … s).

const FIRST_INTERVAL_S = 15;
const GROWTH = 1.5;
const MAX_INTERVAL_S = 60;

/** Seconds after creation of every attempt up to and including the first at or after `untilS`. */
export function referenceAttemptTimes(untilS: number): number[] {
  const times: number[] = [];
  let interval = FIRST_INTERVAL_S;
  let t = FIRST_INTERVAL_S;
  times.push(t);
  while (t < untilS) {
    interval = Math.min(interval * GROWTH, MAX_INTERVAL_S);
    t += interval;
    times.push(t);
  }
  return times;
}

/** How long after SSH comes up (`readyAfterS` from creation) the reference system would first see it, in s. */
export function referenceDetectionLag(readyAfterS: number): number {
  const times = referenceAttemptTimes(readyAfterS);
  return times[times.length - 1]! - readyAfterS;
}
