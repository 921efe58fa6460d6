// The guarantees a chaos run checks once everything has settled, over what the API and the marketplaces' inspection
// routes say. Pure functions over collected data, so each check is unit-tested on its own.
import { parseLabel } from '../shared/domain/instance.ts';

interface AttemptView {
  attempt: number;
  provider: string;
  outcome: string;
  instance_id?: string;
  error_type?: string;
}

export interface SessionView {
  id: string;
  status: string;
  provider: string;
  created_at: string;
  expires_at: string;
  hard_max_at: string;
  stopped_at?: string;
  ended_reason?: string;
  error_type?: string;
  attempts: AttemptView[];
}

export interface CostLine {
  attempt: number;
  provider: string;
  instance_id: string;
  price_per_hour: number;
  started_at: string;
  ended_at: string | null;
  open: boolean;
  billed_cost: number;
  provider_cost: number;
  refunded: boolean;
}

export interface SimInstance {
  provider: string;
  id: string;
  label: string;
  /** the simulated host (its behaviour comes from the scenario) */
  host?: string;
  created_at: string;
  destroyed_at: string | null;
  vanished_at: string | null;
  gone: 'destroyed' | 'vanished' | null;
}

export interface TimeWindow {
  from: number;
  to: number;
}

interface Violation {
  /** the session (or instance) at fault */
  id: string;
  detail: string;
}

export interface CheckResult {
  id: string;
  title: string;
  passed: boolean;
  /** what was looked at */
  checked: number;
  violations: Violation[];
  /** figures worth reporting even when it passes */
  notes?: Record<string, number | string>;
}

export const TERMINAL = new Set(['stopped', 'failed']);
export const ACTIVE = new Set(['pending', 'provisioning', 'running']);

const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.NaN);
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** How long a window overlaps [from, to]. */
export function overlapMs(windows: TimeWindow[], from: number, to: number): number {
  return windows.reduce((sum, w) => sum + Math.max(0, Math.min(to, w.to) - Math.max(from, w.from)), 0);
}

/** The instance's end at the marketplace: destroyed, or disappeared by itself. */
function instanceEnd(i: SimInstance): number | undefined {
  const end = i.destroyed_at ?? i.vanished_at;
  return end ? ms(end) : undefined;
}

/** An instance seen alive after its session had ended, and for how long at most (restart downtime not counted). */
export interface Lingering {
  key: string;
  session: string;
  status: string;
  ms: number;
}

/**
 * 1. No instance outlived its session by more than the reconciler allows while the run went on, and nothing is alive
 * at any marketplace once everything settled.
 */
export function checkNoLiveInstances(
  instances: SimInstance[],
  sessions: Map<string, SessionView>,
  deploymentId: string,
  lingering: Lingering[],
  allowanceMs: number,
): CheckResult {
  const violations: Violation[] = lingering
    .filter((l) => l.ms > allowanceMs)
    .map((l) => ({ id: l.key, detail: `alive ${round(l.ms / 1000, 1)} s after its session ${l.session} ended ${l.status}` }));
  for (const i of instances) {
    if (i.gone !== null) continue;
    const label = parseLabel(i.label);
    const session = label?.deploymentId === deploymentId ? sessions.get(label.sessionId) : undefined;
    violations.push({
      id: `${i.provider}:${i.id}`,
      detail: `alive (${i.label || 'no label'}); session ${session ? `${session.id} is ${session.status}` : 'unknown'}`,
    });
  }
  return {
    id: 'no-live-instances',
    title: 'no instance alive without an active session',
    passed: violations.length === 0,
    checked: instances.length,
    violations,
    notes: {
      outlived_their_session: lingering.length,
      longest_seconds: round(Math.max(0, ...lingering.map((l) => l.ms)) / 1000, 1),
      allowed_seconds: round(allowanceMs / 1000, 1),
    },
  };
}

/**
 * 2. Every session (and each of its attempts) final, and none asked to end later than its deadline allows (nor, ended
 * by expiry, before it).
 * `teardownRequestedAt` is when the end was asked (its `teardown_requested` event); sessions that failed on their own
 * are measured by `stopped_at`.
 */
export function checkDeadlines(
  sessions: SessionView[],
  teardownRequestedAt: Map<string, string>,
  allowanceMs: number,
  restarts: TimeWindow[],
): CheckResult {
  const violations: Violation[] = [];
  let latest = 0;
  for (const s of sessions) {
    if (!TERMINAL.has(s.status)) {
      violations.push({ id: s.id, detail: `still ${s.status} after the run settled` });
      continue;
    }
    for (const a of s.attempts) {
      if (a.outcome === 'in_progress') violations.push({ id: s.id, detail: `attempt ${a.attempt} still in_progress in a ${s.status} session` });
    }
    const deadline = Math.min(ms(s.expires_at), ms(s.hard_max_at));
    const requested = ms(teardownRequestedAt.get(s.id) ?? s.stopped_at);
    if (!Number.isFinite(requested)) continue;
    const late = requested - deadline - overlapMs(restarts, deadline, requested);
    latest = Math.max(latest, late);
    if (late > allowanceMs) {
      violations.push({ id: s.id, detail: `end asked ${round(late / 1000, 1)} s after its deadline (${s.ended_reason ?? s.status})` });
    }
    // an extension that was answered 200 must be honoured: expiry may not end the session before the new expires_at
    const ownDeadline = s.ended_reason === 'expired' ? ms(s.expires_at) : s.ended_reason === 'hard_max' ? ms(s.hard_max_at) : undefined;
    if (ownDeadline !== undefined && requested < ownDeadline - 1000) {
      violations.push({
        id: s.id,
        detail: `ended as ${s.ended_reason} ${round((ownDeadline - requested) / 1000, 1)} s before its ${s.ended_reason === 'expired' ? 'expires_at' : 'hard_max_at'}`,
      });
    }
  }
  return {
    id: 'deadlines',
    title: 'no session left non-final past its deadline',
    passed: violations.length === 0,
    checked: sessions.length,
    violations,
    notes: { latest_end_seconds: round(latest / 1000, 1), allowed_seconds: round(allowanceMs / 1000, 1) },
  };
}

/** 3. Every attempt that never reached running is refunded and billed nothing; no cost record is left open. */
export function checkRefunds(sessions: SessionView[], costs: Map<string, CostLine[]>): CheckResult {
  const violations: Violation[] = [];
  let attempts = 0;
  let refunded = 0;
  for (const s of sessions) {
    const lines = costs.get(s.id) ?? [];
    for (const line of lines) {
      if (line.open) violations.push({ id: s.id, detail: `attempt ${line.attempt}: cost record still open` });
    }
    for (const a of s.attempts) {
      if (a.outcome === 'running') continue;
      const line = lines.find((l) => l.attempt === a.attempt);
      if (!line) continue; // no instance was ever recorded for it: nothing to bill (check 4 finds unrecorded instances)
      attempts += 1;
      if (!line.refunded || line.billed_cost !== 0) {
        violations.push({
          id: s.id,
          detail: `attempt ${a.attempt} (${a.outcome}${a.error_type ? `, ${a.error_type}` : ''}): refunded ${line.refunded}, billed ${line.billed_cost}`,
        });
      } else refunded += 1;
    }
  }
  return {
    id: 'refunds',
    title: 'every failed attempt refunded',
    passed: violations.length === 0,
    checked: attempts,
    violations,
    notes: { refunded_attempts: refunded },
  };
}

interface CostCheckOptions {
  /** allowed difference at each end of an instance's life, in ms */
  toleranceMs: number;
  /**
   * how much later than its disappearance an instance that vanished by itself may be recorded ended: the broker cannot
   * see the moment, only its next look (verification's provider check, the reconciler's first missing listing)
   */
  vanishDetectionMs: number;
  /**
   * The broker's window for a create whose answer was lost (CREATE_LIST_LAG_SECONDS): it looks for the instance by its
   * label until then. An unrecorded instance that vanished by itself sooner was never visible to it — no answer, no
   * listing — and is reported apart rather than as a violation.
   */
  createListLagMs: number;
  /** the runtime was down: a destruction confirmed across a restart is recorded when it is back */
  restarts: TimeWindow[];
}

/**
 * 4. Each attempt's provider cost is its instance's price × lifetime at the marketplace, within the tolerance; and
 * every instance made for a session has its cost record.
 */
export function checkCosts(
  sessions: SessionView[],
  costs: Map<string, CostLine[]>,
  instances: SimInstance[],
  deploymentId: string,
  options: CostCheckOptions,
): CheckResult {
  const violations: Violation[] = [];
  const byKey = new Map(instances.map((i) => [`${i.provider}:${i.id}`, i]));
  const recorded = new Set<string>();
  let checked = 0;
  let maxStartDelta = 0;
  let maxEndDelta = 0;
  let maxVanishDelta = 0;
  let brokerTotal = 0;
  let marketTotal = 0;
  for (const s of sessions) {
    for (const line of costs.get(s.id) ?? []) {
      const key = `${line.provider}:${line.instance_id}`;
      recorded.add(key);
      checked += 1;
      const instance = byKey.get(key);
      if (!instance) {
        violations.push({ id: s.id, detail: `attempt ${line.attempt}: instance ${key} unknown to the marketplace` });
        continue;
      }
      const end = instanceEnd(instance);
      if (end === undefined || line.ended_at === null) continue; // reported by checks 1 and 3
      const created = ms(instance.created_at);
      const startDelta = ms(line.started_at) - created;
      const endDelta = ms(line.ended_at) - end;
      // a destruction the restart interrupted before it was recorded is recorded once the runtime is back
      const downtime = overlapMs(options.restarts, end, ms(line.ended_at));
      const vanished = instance.gone === 'vanished';
      const lifetimeHours = (end - created) / 3_600_000;
      const expected = line.price_per_hour * lifetimeHours;
      brokerTotal += line.provider_cost;
      marketTotal += expected;
      maxStartDelta = Math.max(maxStartDelta, Math.abs(startDelta));
      if (vanished) maxVanishDelta = Math.max(maxVanishDelta, endDelta - downtime);
      else maxEndDelta = Math.max(maxEndDelta, Math.abs(endDelta) - downtime);
      // each end of the life may be off by the tolerance; rounding to 6 decimals adds at most 1e-6
      const extraMs = downtime + (vanished ? options.vanishDetectionMs : 0);
      const allowed = (line.price_per_hour * (2 * options.toleranceMs + extraMs)) / 3_600_000 + 2e-6;
      if (Math.abs(line.provider_cost - expected) > allowed) {
        violations.push({
          id: s.id,
          detail:
            `attempt ${line.attempt} (${key}): provider_cost ${line.provider_cost} vs ${round(expected, 6)} for ${round(lifetimeHours * 3600, 1)} s ` +
            `at ${line.price_per_hour}/h; recorded start ${round(startDelta / 1000, 1)} s, end ${round(endDelta / 1000, 1)} s off` +
            (vanished ? ' (it vanished by itself)' : '') +
            (downtime > 0 ? ` (${round(downtime / 1000, 1)} s of it the runtime was down)` : ''),
        });
      }
    }
  }
  const unseen: string[] = [];
  for (const i of instances) {
    const label = parseLabel(i.label);
    if (label?.deploymentId !== deploymentId || recorded.has(`${i.provider}:${i.id}`)) continue;
    const end = instanceEnd(i);
    const life = end === undefined ? undefined : end - ms(i.created_at);
    if (i.gone === 'vanished' && life !== undefined && life < options.createListLagMs) {
      unseen.push(`${i.provider}:${i.id} (${round(life / 1000, 1)} s)`);
      continue;
    }
    const seconds = life === undefined ? 'still alive' : `${round(life / 1000, 1)} s`;
    violations.push({ id: label.sessionId, detail: `instance ${i.provider}:${i.id} (attempt ${label.attempt}, ${seconds}) has no cost record` });
  }
  return {
    id: 'costs',
    title: "every session's cost equals its instances' lifetimes",
    passed: violations.length === 0,
    checked,
    violations,
    notes: {
      tolerance_seconds: options.toleranceMs / 1000,
      max_start_delta_seconds: round(maxStartDelta / 1000, 2),
      max_end_delta_seconds: round(maxEndDelta / 1000, 2),
      vanish_detection_seconds: options.vanishDetectionMs / 1000,
      max_vanish_detection_seconds: round(maxVanishDelta / 1000, 2),
      vanished_unseen: unseen.length ? unseen.join(' ') : 0,
      broker_provider_cost_usd: round(brokerTotal, 6),
      marketplace_cost_usd: round(marketTotal, 6),
    },
  };
}

interface ServerError {
  method: string;
  path: string;
  status: number;
  error_type?: string;
  during_restart: boolean;
}

/** Clients depend on it (reference/client-contract.md): the create answer for an offer gone since inventory listed it. */
const isStaleInventoryAnswer = (e: Pick<ServerError, 'status' | 'error_type'>) => e.status === 503 && e.error_type === 'stale_inventory';

/**
 * 5. No 5xx from the API. Two 503s are counted apart: the contract's `stale_inventory` answer to a create on an offer
 * that is gone, and the local gateway's own "stopping" answer while the run stops it on purpose.
 */
export function checkNoServerErrors(requests: number, errors: ServerError[]): CheckResult {
  const violations = errors
    .filter((e) => !e.during_restart && !isStaleInventoryAnswer(e))
    .map((e) => ({ id: `${e.method} ${e.path}`, detail: `${e.status}${e.error_type ? ` ${e.error_type}` : ''}` }));
  return {
    id: 'no-5xx',
    title: 'no 5xx from the API',
    passed: violations.length === 0,
    checked: requests,
    violations,
    notes: {
      stale_inventory_503: errors.filter(isStaleInventoryAnswer).length,
      gateway_503_while_stopping: errors.filter((e) => e.during_restart).length,
    },
  };
}

/** A teardown execution that died (failed, timed out, aborted) and the sweep ran again: its `teardown_restarted` event. */
export interface DeadTeardown {
  session: string;
  /** when the sweep saw it dead */
  at: string;
  status: string;
}

/**
 * 6. No instance outlives a dead teardown: every instance of a session whose teardown execution died is gone by the
 * end, and was gone within the reconciler's allowance of the sweep seeing the teardown dead (the rerun, or the
 * reconciler, destroys it).
 */
export function checkDeadTeardowns(dead: DeadTeardown[], instances: SimInstance[], deploymentId: string, allowanceMs: number): CheckResult {
  const violations: Violation[] = [];
  const bySession = new Map<string, SimInstance[]>();
  for (const i of instances) {
    const label = parseLabel(i.label);
    if (label?.deploymentId !== deploymentId) continue;
    bySession.set(label.sessionId, [...(bySession.get(label.sessionId) ?? []), i]);
  }
  const sessions = new Set(dead.map((d) => d.session));
  for (const d of dead) {
    for (const i of bySession.get(d.session) ?? []) {
      if (i.gone === null) {
        violations.push({ id: `${i.provider}:${i.id}`, detail: `alive; session ${d.session}'s teardown ${d.status} at ${d.at}` });
        continue;
      }
      const goneAt = ms(i.destroyed_at ?? i.vanished_at ?? '');
      const late = goneAt - ms(d.at);
      if (late > allowanceMs) {
        violations.push({ id: `${i.provider}:${i.id}`, detail: `gone ${round(late / 1000, 1)} s after session ${d.session}'s teardown was seen ${d.status}` });
      }
    }
  }
  return {
    id: 'dead-teardowns',
    title: 'no instance outlives a dead teardown',
    passed: violations.length === 0,
    checked: sessions.size,
    violations,
    notes: { dead_teardowns: dead.length, sessions: sessions.size },
  };
}

/** One look at the budgeted consumer's month (GET /api/v1/costs/summary). */
export interface BudgetSample {
  at: string;
  committed_usd: number;
  overrun_usd: number;
  held_usd: number;
}

/**
 * 7. Never more held than a budget allows: at every look, what the budgeted consumer's month has committed (holds plus
 * settled costs) is within its limit, apart from what settlements found billed beyond a hold (an instance that
 * outlived its reservation: money already spent, which no hold could refuse).
 */
export function checkBudgetHolds(samples: BudgetSample[], limitUsd: number, refusals: number): CheckResult {
  const violations: Violation[] = [];
  let highest = 0;
  for (const s of samples) {
    const held = s.committed_usd - s.overrun_usd;
    highest = Math.max(highest, held);
    if (held > limitUsd + 1e-6) {
      violations.push({ id: s.at, detail: `committed $${round(s.committed_usd, 6)} − overrun $${round(s.overrun_usd, 6)} > limit $${limitUsd}` });
    }
  }
  if (samples.length === 0) violations.push({ id: 'samples', detail: 'the budgeted month was never read' });
  const last = samples.at(-1);
  return {
    id: 'budget-holds',
    title: 'never more held than a budget allows',
    passed: violations.length === 0,
    checked: samples.length,
    violations,
    notes: {
      limit_usd: limitUsd,
      highest_committed_usd: round(highest, 6),
      refused_402: refusals,
      final_held_usd: last ? round(last.held_usd, 6) : 'never read',
      final_overrun_usd: last ? round(last.overrun_usd, 6) : 'never read',
    },
  };
}
