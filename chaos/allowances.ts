// How late the product may be, under the load it runs at: each bound is the product's own schedule plus the longest
// run of the functions involved, as the runtime measured them. A missed session or orphan still shows (it is late by
// whole hours or never ends); a machine that is merely busy does not fail the run.
import type { ChaosSettings } from './scenario.ts';

interface Allowances {
  /** how long after its deadline a session's end may be asked */
  deadlineMs: number;
  /** how long an instance may outlive its session */
  orphanMs: number;
  /** how long after an instance vanished by itself the broker may record it ended */
  vanishDetectionMs: number;
  /** each bound as a formula with its figures, for the report */
  formulas: Record<string, string>;
}

const SLACK_MS = 5000;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** `longest(fn)`: the longest invocation of a function during the run, in ms (0 if it never ran). */
export function allowances(settings: ChaosSettings, longest: (functionId: string) => number): Allowances {
  const sweep = settings.sweepSeconds * 1000;
  const reconcile = settings.reconcileSeconds * 1000;
  const grace = settings.orphanGraceSeconds * 1000;
  const maxSweep = longest('SessionSweep');
  const maxReconcile = longest('Reconcile');
  // the first sweep that starts after the deadline may wait for a run in progress, then takes its own run to get there
  const deadlineMs = sweep + 2 * maxSweep + SLACK_MS;
  // past the grace period, the next reconcile run (which may wait for one in progress) destroys it
  const orphanMs = grace + 2 * (reconcile + maxReconcile) + SLACK_MS;
  // the reconciler closes a ghost's cost at its first missing listing; verification sees a vanished instance at its
  // next provider check, and the compensation records the end once the provider confirms it gone
  const ghost = reconcile + maxReconcile + SLACK_MS;
  const verify = settings.verifyRoundSeconds * 1000 + longest('VerifySsh') + longest('DestroyInstance') + 2 * settings.retryIntervalMs + SLACK_MS;
  return {
    deadlineMs,
    orphanMs,
    vanishDetectionMs: Math.max(ghost, verify),
    formulas: {
      deadline: `sweep period ${s(sweep)} + 2 × longest sweep ${s(maxSweep)} + ${s(SLACK_MS)} = ${s(deadlineMs)}`,
      orphan: `grace ${s(grace)} + 2 × (reconcile period ${s(reconcile)} + longest reconcile ${s(maxReconcile)}) + ${s(SLACK_MS)} = ${s(orphanMs)}`,
      vanish_detection: `max(ghost ${s(ghost)}, verification ${s(verify)}) = ${s(Math.max(ghost, verify))}`,
    },
  };
}
