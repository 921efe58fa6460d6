// The chaos run's checks on hand-made figures: each one passes what the guarantees allow and names what breaks them.
import { describe, expect, it } from 'vitest';
import { allowances } from '../../chaos/allowances.ts';
import {
  type CostLine,
  checkCosts,
  checkBudgetHolds,
  checkDeadTeardowns,
  checkDeadlines,
  checkNoLiveInstances,
  checkNoServerErrors,
  checkRefunds,
  overlapMs,
  type SessionView,
  type SimInstance,
} from '../../chaos/checks.ts';
import { DEFAULT_SETTINGS } from '../../chaos/scenario.ts';
import { sumEnvironments } from '../../chaos/summary.ts';

const DEPLOYMENT = 'local-chaos';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const label = (n: number, attempt = 1) => `gs-${DEPLOYMENT}-${ID(n)}-${attempt}`;

function session(n: number, over: Partial<SessionView> = {}): SessionView {
  return {
    id: ID(n),
    status: 'stopped',
    provider: 'vastai',
    created_at: at(0),
    expires_at: at(20),
    hard_max_at: at(60),
    stopped_at: at(12),
    ended_reason: 'deleted',
    attempts: [{ attempt: 1, provider: 'vastai', outcome: 'running', instance_id: `i${n}` }],
    ...over,
  };
}

function instance(n: number, over: Partial<SimInstance> = {}): SimInstance {
  return {
    provider: 'vastai',
    id: `i${n}`,
    label: label(n),
    created_at: at(1),
    destroyed_at: at(11),
    vanished_at: null,
    gone: 'destroyed',
    ...over,
  };
}

function cost(n: number, over: Partial<CostLine> = {}): CostLine {
  return {
    attempt: 1,
    provider: 'vastai',
    instance_id: `i${n}`,
    price_per_hour: 3.6,
    started_at: at(1.5),
    ended_at: at(11.5),
    open: false,
    billed_cost: 0.01,
    // 10 s at 3.6/h
    provider_cost: 0.01,
    refunded: false,
    ...over,
  };
}

describe('chaos checks', () => {
  it('1: nothing alive at the end, and no instance outliving its session past the bound', () => {
    const sessions = new Map([[ID(1), session(1)]]);
    expect(checkNoLiveInstances([instance(1)], sessions, DEPLOYMENT, [], 30_000).passed).toBe(true);
    const alive = checkNoLiveInstances([instance(1, { gone: null, destroyed_at: null })], sessions, DEPLOYMENT, [], 30_000);
    expect(alive.passed).toBe(false);
    expect(alive.violations[0]).toMatchObject({ id: 'vastai:i1', detail: expect.stringContaining(`session ${ID(1)} is stopped`) });
    const lingered = [{ key: 'vastai:i2', session: ID(2), status: 'stopped', ms: 31_000 }];
    expect(checkNoLiveInstances([instance(1)], sessions, DEPLOYMENT, lingered, 30_000).violations).toEqual([
      { id: 'vastai:i2', detail: `alive 31 s after its session ${ID(2)} ended stopped` },
    ]);
    expect(checkNoLiveInstances([instance(1)], sessions, DEPLOYMENT, lingered, 32_000).passed).toBe(true);
  });

  it('2: final sessions, ends asked within the bound (restart downtime not counted), and no expiry before expires_at', () => {
    const asked = new Map([[ID(1), at(25)]]);
    expect(checkDeadlines([session(1)], asked, 6000, []).passed).toBe(true);
    expect(checkDeadlines([session(1)], asked, 4000, []).violations[0]?.detail).toMatch(/5 s after its deadline/);
    // 10 s of it the runtime was down
    expect(checkDeadlines([session(1)], new Map([[ID(1), at(35)]]), 6000, [{ from: T0 + 22_000, to: T0 + 32_000 }]).passed).toBe(true);
    expect(checkDeadlines([session(1, { status: 'running' })], new Map(), 6000, []).violations[0]?.detail).toBe(
      'still running after the run settled',
    );
    // extended to 40 s, yet ended as expired at 25 s
    const early = checkDeadlines([session(1, { ended_reason: 'expired', expires_at: at(40) })], asked, 6000, []);
    expect(early.violations[0]?.detail).toMatch(/ended as expired 15 s before its expires_at/);
    const overtaken = session(1, { attempts: [{ attempt: 1, provider: 'vastai', outcome: 'in_progress' }] });
    expect(checkDeadlines([overtaken], asked, 6000, []).violations[0]?.detail).toBe('attempt 1 still in_progress in a stopped session');
    // a session that failed on its own is measured by stopped_at
    expect(checkDeadlines([session(1, { status: 'failed', stopped_at: at(40) })], new Map(), 6000, []).passed).toBe(false);
  });

  it('3: every attempt that never ran is refunded and billed nothing, and no record stays open', () => {
    const failed = session(1, { attempts: [{ attempt: 1, provider: 'vastai', outcome: 'failed', error_type: 'ssh_timeout', instance_id: 'i1' }] });
    const refunded = cost(1, { refunded: true, billed_cost: 0 });
    expect(checkRefunds([failed], new Map([[ID(1), [refunded]]])).passed).toBe(true);
    const notRefunded = checkRefunds([failed], new Map([[ID(1), [cost(1, { billed_cost: 0 })]]]));
    expect(notRefunded.violations[0]?.detail).toMatch(/attempt 1 \(failed, ssh_timeout\): refunded false, billed 0/);
    const open = checkRefunds([session(1)], new Map([[ID(1), [cost(1, { open: true, ended_at: null })]]]));
    expect(open.violations[0]?.detail).toBe('attempt 1: cost record still open');
    // a running attempt is billed, not refunded
    expect(checkRefunds([session(1)], new Map([[ID(1), [cost(1)]]])).passed).toBe(true);
  });

  it('4: provider cost is price × the marketplace lifetime within the tolerance; every instance has a record', () => {
    const options = { toleranceMs: 5000, vanishDetectionMs: 20_000, createListLagMs: 10_000, restarts: [] };
    const good = checkCosts([session(1)], new Map([[ID(1), [cost(1)]]]), [instance(1)], DEPLOYMENT, options);
    expect(good.passed).toBe(true);
    expect(good.notes).toMatchObject({ max_start_delta_seconds: 0.5, max_end_delta_seconds: 0.5 });
    // recorded 30 s for a 10 s life
    const long = cost(1, { ended_at: at(31.5), provider_cost: 0.03 });
    expect(checkCosts([session(1)], new Map([[ID(1), [long]]]), [instance(1)], DEPLOYMENT, options).violations[0]?.detail).toMatch(
      /provider_cost 0.03 vs 0.01 for 10 s/,
    );
    // the same 20 s late, when the runtime was down for them, is the restart's
    const restarts = [{ from: T0 + 11_000, to: T0 + 31_000 }];
    expect(checkCosts([session(1)], new Map([[ID(1), [long]]]), [instance(1)], DEPLOYMENT, { ...options, restarts }).passed).toBe(true);
    // an instance that vanished by itself is recorded ended when the broker first sees it gone
    const vanished = instance(1, { destroyed_at: null, vanished_at: at(11), gone: 'vanished' });
    const seenLate = cost(1, { ended_at: at(26.5), provider_cost: 0.025 });
    expect(checkCosts([session(1)], new Map([[ID(1), [seenLate]]]), [vanished], DEPLOYMENT, options).passed).toBe(true);
    expect(checkCosts([session(1)], new Map([[ID(1), [seenLate]]]), [instance(1)], DEPLOYMENT, options).passed).toBe(false);
    // a second instance made for the session without a record
    const unrecorded = checkCosts([session(1)], new Map([[ID(1), [cost(1)]]]), [instance(1), instance(9, { label: label(1, 2) })], DEPLOYMENT, options);
    expect(unrecorded.violations).toEqual([{ id: ID(1), detail: 'instance vastai:i9 (attempt 2, 10 s) has no cost record' }]);
    // one that vanished by itself before the broker could ever see it (no answer, gone before its label was looked
    // for) is reported apart; one that lived longer unrecorded is a violation
    const unseenLife = instance(9, { label: label(1, 2), created_at: at(20), destroyed_at: null, vanished_at: at(24), gone: 'vanished' });
    const unseen = checkCosts([session(1)], new Map([[ID(1), [cost(1)]]]), [instance(1), unseenLife], DEPLOYMENT, options);
    expect(unseen.passed).toBe(true);
    expect(unseen.notes?.['vanished_unseen']).toBe('vastai:i9 (4 s)');
    const seenLife = { ...unseenLife, vanished_at: at(40) };
    expect(checkCosts([session(1)], new Map([[ID(1), [cost(1)]]]), [instance(1), seenLife], DEPLOYMENT, options).passed).toBe(false);
    // other deployments' instances are none of ours
    const foreign = instance(8, { label: `gs-other-deployment-${ID(1)}-1` });
    expect(checkCosts([session(1)], new Map([[ID(1), [cost(1)]]]), [instance(1), foreign], DEPLOYMENT, options).passed).toBe(true);
    // a record naming an instance the marketplace never had
    const ghost = checkCosts([session(1)], new Map([[ID(1), [cost(1, { instance_id: 'nope' })]]]), [], DEPLOYMENT, options);
    expect(ghost.violations[0]?.detail).toMatch(/unknown to the marketplace/);
  });

  it("5: any 5xx fails, except the contract's stale_inventory 503 and the gateway's answer while it is stopped on purpose", () => {
    const base = { method: 'POST', path: '/api/v1/sessions', during_restart: false };
    expect(checkNoServerErrors(10, [{ ...base, status: 503, error_type: 'stale_inventory' }]).passed).toBe(true);
    expect(checkNoServerErrors(10, [{ ...base, status: 503, error_type: 'not_ready', during_restart: true }]).passed).toBe(true);
    const failed = checkNoServerErrors(10, [{ ...base, status: 503, error_type: 'service_unavailable' }, { ...base, status: 500 }]);
    expect(failed.violations.map((v) => v.detail)).toEqual(['503 service_unavailable', '500']);
  });

  it('bounds are the schedule plus the longest measured runs, and downtime overlaps are measured exactly', () => {
    const longest: Record<string, number> = { SessionSweep: 3000, Reconcile: 2000, VerifySsh: 4000, DestroyInstance: 1000 };
    const b = allowances({ ...DEFAULT_SETTINGS, sweepSeconds: 2, reconcileSeconds: 4, orphanGraceSeconds: 8 }, (fn) => longest[fn] ?? 0);
    expect(b.deadlineMs).toBe(2000 + 2 * 3000 + 5000);
    expect(b.orphanMs).toBe(8000 + 2 * (4000 + 2000) + 5000);
    expect(b.formulas['deadline']).toBe('sweep period 2.0 s + 2 × longest sweep 3.0 s + 5.0 s = 13.0 s');
    expect(overlapMs([{ from: 10, to: 20 }, { from: 30, to: 40 }], 15, 35)).toBe(10);
    expect(overlapMs([{ from: 10, to: 20 }], 20, 30)).toBe(0);
  });
});

describe('no instance outlives a dead teardown', () => {
  it('passes when the instances of a session whose teardown died are gone in time, and names one alive or gone late', () => {
    const dead = [
      { session: ID(1), at: at(10), status: 'ABORTED' },
      { session: ID(2), at: at(10), status: 'FAILED' },
      { session: ID(3), at: at(10), status: 'FAILED' },
    ];
    const instances = [
      instance(1, { destroyed_at: at(12) }),
      instance(2, { destroyed_at: null, gone: null }),
      instance(3, { destroyed_at: at(100) }),
      // a session whose teardown never died is not this check's business
      instance(4, { destroyed_at: null, gone: null }),
    ];
    const result = checkDeadTeardowns(dead, instances, DEPLOYMENT, 30_000);
    expect(result.passed).toBe(false);
    expect(result.violations.map((v) => v.id)).toEqual(['vastai:i2', 'vastai:i3']);
    expect(checkDeadTeardowns(dead.slice(0, 1), instances, DEPLOYMENT, 30_000).passed).toBe(true);
  });
});

describe('check 7: never more held than a budget allows', () => {
  const sample = (s: number, committed: number, overrun = 0) => ({ at: at(s), committed_usd: committed, overrun_usd: overrun, held_usd: 0 });
  it('passes within the limit, counts an overrun as spent money, and fails on a look past it', () => {
    expect(checkBudgetHolds([sample(1, 0.5), sample(2, 1)], 1, 3).passed).toBe(true);
    expect(checkBudgetHolds([sample(1, 1.2, 0.2)], 1, 0).passed).toBe(true);
    const over = checkBudgetHolds([sample(1, 0.5), sample(2, 1.01)], 1, 0);
    expect(over.passed).toBe(false);
    expect(over.violations.map((v) => v.id)).toEqual([at(2)]);
    expect(checkBudgetHolds([], 1, 0).passed).toBe(false);
  });
});

describe('the execution environments in the chaos report', () => {
  const report = (started: number, peak: number, p50: number | null, p95: number | null, throttles = 0) => ({
    started,
    peak_concurrent: peak,
    throttles,
    queued: 0,
    cold_start_ms: { p50, p95 },
  });

  it('adds up environments over restarts; peaks and cold-start percentiles are the highest of any run', () => {
    const sum = sumEnvironments([
      { VerifySsh: report(6, 6, 300, 520), Reconcile: report(1, 1, 280, 280, 2) },
      { VerifySsh: report(3, 2, 350, 400) },
    ]);
    expect(sum['VerifySsh']).toEqual({ started: 9, peak_concurrent: 6, throttles: 0, queued: 0, cold_p50_ms: 350, cold_p95_ms: 520 });
    expect(sum['Reconcile']).toMatchObject({ started: 1, throttles: 2 });
  });
});
