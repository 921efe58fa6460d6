// Local-only fault knobs for accelerated chaos runs: random crashes of state-machine task functions, the way Lambda
// shows a crashed invocation (Lambda.Unknown), before the handler ran or after it did its work but before its answer
// reached Step Functions. Never wired in a deployed stack.
import type { LambdaFaults } from './lambda-host.ts';

export interface CrashCounts {
  before: number;
  after: number;
  /** per function id */
  by_function: Record<string, number>;
  /** the teardown fault knobs, when set */
  teardown?: TeardownFaultCounts;
}

interface RandomCrashes {
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

/** What the teardown fault knobs did. */
export interface TeardownFaultCounts {
  /** invocations of a listed task failed on purpose */
  failed_tasks: number;
  /** sessions whose listed tasks were made to fail */
  failing_sessions: number;
  /** teardown executions stopped (ABORTED) at random */
  teardowns_aborted: number;
}

/** A stable share of sessions, by their id: the same sessions fail on every invocation (and after a restart). */
function inShare(sessionId: string, share: number): boolean {
  let hash = 2166136261;
  for (let i = 0; i < sessionId.length; i++) hash = Math.imul(hash ^ sessionId.charCodeAt(i), 16777619);
  return (hash >>> 0) / 2 ** 32 < share;
}

/**
 * The listed task functions fail (Lambda.Unknown, before running) for a share of sessions, their first `times`
 * invocations per session and function — more than any Retry allows, so that teardown execution fails for good at that
 * step, and the one the sweep runs next gets through.
 */
export function failingTasks(
  functionIds: Iterable<string>,
  share: number,
  times: number,
  counts: TeardownFaultCounts,
): (functionId: string, event?: unknown) => boolean {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`failing share must be between 0 and 1, got ${share}`);
  const targets = new Set(functionIds);
  const failed = new Map<string, number>();
  const sessions = new Set<string>();
  return (functionId, event) => {
    const sessionId = (event as { session_id?: unknown } | undefined)?.session_id;
    if (!targets.has(functionId) || typeof sessionId !== 'string' || !inShare(sessionId, share)) return false;
    const key = `${functionId}/${sessionId}`;
    const n = failed.get(key) ?? 0;
    if (n >= times) return false;
    failed.set(key, n + 1);
    if (!sessions.has(sessionId)) {
      sessions.add(sessionId);
      counts.failing_sessions += 1;
    }
    counts.failed_tasks += 1;
    return true;
  };
}

/** What the abort knob needs of the local Step Functions service. */
interface AbortableExecutions {
  allExecutions(): { executionArn: string; stateMachineArn: string; status: string }[];
  stopExecution(req: { executionArn: string; error?: string; cause?: string }): unknown;
}

/**
 * Every running teardown execution is, once, given a chance `rate` to be stopped (ABORTED) a random moment later, the
 * way an operator's StopExecution or a failed deployment would. Returns the function that ends the knob.
 */
export function abortTeardowns(
  sfn: AbortableExecutions,
  rate: number,
  counts: TeardownFaultCounts,
  random: () => number = Math.random,
): () => void {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`abort rate must be between 0 and 1, got ${rate}`);
  const decided = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  const tick = setInterval(() => {
    for (const e of sfn.allExecutions()) {
      if (e.status !== 'RUNNING' || !e.stateMachineArn.endsWith(':Teardown') || decided.has(e.executionArn)) continue;
      decided.add(e.executionArn);
      if (random() >= rate) continue;
      const timer = setTimeout(() => {
        timers.delete(timer);
        const now = sfn.allExecutions().find((x) => x.executionArn === e.executionArn);
        if (now?.status !== 'RUNNING') return;
        sfn.stopExecution({ executionArn: e.executionArn, error: 'ChaosAbort', cause: 'stopped at random (LOCAL_FAULT_ABORT_TEARDOWNS)' });
        counts.teardowns_aborted += 1;
      }, random() * 1500);
      timers.add(timer);
    }
  }, 250);
  return () => {
    clearInterval(tick);
    for (const t of timers) clearTimeout(t);
  };
}
