// Local-only fault knobs for accelerated chaos runs: random crashes of state-machine task functions, the way Lambda
// shows a crashed invocation (Lambda.Unknown), before the handler ran or after it did its work but before its answer
// reached Step Functions. Never wired in a deployed stack.
import type { LambdaFaults } from './lambda-host.ts';

export interface CrashCounts {
  before: number;
  after: number;
  /** per function id */
  by_function: Record<string, number>;
}

export interface RandomCrashes {
  faults: LambdaFaults;
  counts: CrashCounts;
}

/**
 * An invocation of a listed function crashes with probability about `rate`: half of it before the handler runs, half
 * after its work is done (the side effect happened, the answer is lost). Other functions (HTTP routes, schedules)
 * never crash.
 */
export function randomCrashes(rate: number, functionIds: Iterable<string>, random: () => number = Math.random): RandomCrashes {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`crash rate must be between 0 and 1, got ${rate}`);
  const targets = new Set(functionIds);
  const counts: CrashCounts = { before: 0, after: 0, by_function: {} };
  const roll = (fn: string, when: 'before' | 'after') => {
    if (rate === 0 || !targets.has(fn) || random() >= rate / 2) return false;
    counts[when] += 1;
    counts.by_function[fn] = (counts.by_function[fn] ?? 0) + 1;
    return true;
  };
  return { faults: { crashBefore: (fn) => roll(fn, 'before'), crashAfter: (fn) => roll(fn, 'after') }, counts };
}
