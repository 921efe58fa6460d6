// The expiry sweep (a schedule, every minute; locally also once at start): ends sessions past expires_at or the hard
// maximum, and makes sure no session is stuck — a pending session whose execution never started gets it started; a
// provisioning session whose execution died without an outcome is torn down; a stopping session whose teardown
// execution never started (a crash between the two writes) gets it started, and one whose teardown execution died
// (failed, timed out, aborted) gets a new run of it — nothing else would ever destroy its instances. Ended sessions
// whose hold waited for an open ledger (an instance destroyed late) are settled.
import { holdMonth } from '../../domain/budget-hold.ts';
import type { Session } from '../../domain/session.ts';
import { isActive } from '../../domain/session.ts';
import { markExpiryWarned, restartTeardown } from '../../domain/session-lifecycle.ts';
import type { ConsumerEventBus } from '../../ports/consumer-events.ts';
import type { CostLedger } from '../../ports/cost-ledger.ts';
import type { MetricsSink } from '../../ports/metrics.ts';
import type { SessionEventLog } from '../../ports/session-events.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import { isDeadExecution, type Workflows } from '../../ports/workflows.ts';
import { sessionView } from '../../http/session-view.ts';
import { logger } from '../../observability/powertools.ts';
import { requestTeardown } from '../teardown/request-teardown.ts';
import { METRIC } from '../../observability/metric-names.ts';
import type { BudgetWatch } from '../costs/budget-watch.ts';
import { settleHold } from '../costs/settle-hold.ts';

export interface SweepDeps {
  sessions: SessionStore;
  events: SessionEventLog;
  workflows: Workflows;
  metrics: MetricsSink;
  costs: CostLedger;
  clock: () => Date;
  watchBudget?: BudgetWatch;
  /** where the expiry warning goes (session.expiring) */
  bus?: ConsumerEventBus;
}

interface SweepReport {
  expired: number;
  hard_max: number;
  provisioning_started: number;
  teardowns_started: number;
  /** dead teardown executions run again */
  teardowns_restarted: number;
  died: number;
  /** ended sessions whose hold the ledger's cost replaced in this sweep */
  holds_settled: number;
  /** running sessions warned that they expire within EXPIRY_WARNING_MS */
  expiry_warnings: number;
  errors: number;
}

/** a session this long without the execution it waits for was left by a crash between its write and the start */
const PENDING_GRACE_MS = 60_000;
/** how long before expires_at (or the hard maximum) a running session's consumer is warned */
const EXPIRY_WARNING_MS = 10 * 60_000;
/** sessions swept at once */
const SWEEP_CONCURRENCY = 8;

const pastDeadline = (s: Session, now: Date) =>
  isActive(s.status) && now.getTime() >= Math.min(Date.parse(s.expires_at), Date.parse(s.hard_max_at));

export async function sweepSessions(deps: SweepDeps): Promise<SweepReport> {
  const report: SweepReport = { expired: 0, hard_max: 0, provisioning_started: 0, teardowns_started: 0, teardowns_restarted: 0, died: 0, holds_settled: 0, expiry_warnings: 0, errors: 0 };
  const now = deps.clock();
  // deadlines first, and a few at a time: one slow call (a workflow start, a busy table) must not hold back the rest
  const unfinished = await deps.sessions.listUnfinished();
  const queue = [...unfinished].sort((a, b) => Number(pastDeadline(b, now)) - Number(pastDeadline(a, now)));
  const worker = async () => {
    for (let session = queue.shift(); session; session = queue.shift()) {
      try {
        await sweepOne(deps, session, now, report);
      } catch (err) {
        // one bad session must not stop the sweep of the others
        report.errors += 1;
        logger.error('sweep failed for a session', { session_id: session.id, error: err as Error });
      }
    }
  };
  await Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, worker));
  // alerts and on_exceeded stop for every consumer with an active session (a settlement overrun moves no request)
  const consumers = new Set(unfinished.filter((s) => isActive(s.status)).map((s) => s.consumer_id));
  for (const consumerId of consumers) await deps.watchBudget?.(consumerId, holdMonth(now));
  for (const session of await deps.sessions.listUnsettled()) {
    try {
      if ((await settleHold(deps, session)).hold_settled_at) report.holds_settled += 1;
    } catch (err) {
      report.errors += 1;
      logger.error('settling a hold failed', { session_id: session.id, error: err as Error });
    }
  }
  // only when something happened: a custom metric is billed for every hour it receives data
  if (report.expired) deps.metrics.add(METRIC.SessionsExpired, 'Count', report.expired);
  if (report.hard_max) deps.metrics.add(METRIC.SessionsHardMaxed, 'Count', report.hard_max);
  return report;
}

async function sweepOne(deps: SweepDeps, session: Session, now: Date, report: SweepReport): Promise<void> {
  if (session.status === 'stopping') {
    await sweepStopping(deps, session, now, report);
    return;
  }
  if (!isActive(session.status)) return;
  if (now.getTime() >= Date.parse(session.hard_max_at)) {
    if ((await requestTeardown(deps, session, 'hard_max')).started) report.hard_max += 1;
    return;
  }
  if (now.getTime() >= Date.parse(session.expires_at)) {
    if ((await requestTeardown(deps, session, 'expired')).started) report.expired += 1;
    return;
  }
  if (session.status === 'running') await warnOfExpiry(deps, session, now, report);
  const age = now.getTime() - Date.parse(session.created_at);
  if (session.status === 'pending' && age > PENDING_GRACE_MS) {
    if (!(await deps.workflows.describeProvisioning(session.id))) {
      await deps.workflows.startProvisioning(session.id);
      report.provisioning_started += 1;
    }
    return;
  }
  if (session.status === 'provisioning') {
    const execution = await deps.workflows.describeProvisioning(session.id);
    if (execution && execution.status !== 'RUNNING' && execution.status !== 'SUCCEEDED') {
      // the workflow ended without reaching running or failing the session itself (e.g. a timeout)
      if ((await requestTeardown(deps, session.id, 'provisioning_failed')).started) report.died += 1;
    }
  }
}

/** Once per expires_at (an extension earns a new warning): the session ends within EXPIRY_WARNING_MS. */
async function warnOfExpiry(deps: SweepDeps, session: Session, now: Date, report: SweepReport): Promise<void> {
  if (!deps.bus) return;
  const endsAt = Math.min(Date.parse(session.expires_at), Date.parse(session.hard_max_at));
  if (endsAt - now.getTime() > EXPIRY_WARNING_MS) return;
  const endsAtIso = new Date(endsAt).toISOString();
  const { session: warned, applied } = await deps.sessions.apply(
    session.id,
    (s) => markExpiryWarned(s, endsAtIso),
    session,
  );
  if (!applied) return;
  report.expiry_warnings += 1;
  await deps.bus.publish([
    {
      id: `${session.id}-expiring-${endsAt}`,
      type: 'session.expiring',
      consumer_id: session.consumer_id,
      session_id: session.id,
      at: now.toISOString(),
      detail: { ...sessionView(warned), ends_at: endsAtIso, reason: endsAt === Date.parse(session.hard_max_at) ? 'hard_max' : 'expires' },
    },
  ]);
}

async function sweepStopping(deps: SweepDeps, session: Session, now: Date, report: SweepReport): Promise<void> {
  const run = session.teardown_run ?? 0;
  const execution = await deps.workflows.describeTeardown(session.id, run);
  if (!execution) {
    const requestedAt = Date.parse(session.teardown_requested_at ?? session.created_at);
    if (now.getTime() - requestedAt > PENDING_GRACE_MS) {
      await deps.workflows.startTeardown(session.id, run);
      report.teardowns_started += 1;
    }
    return;
  }
  if (!isDeadExecution(execution.status)) return;
  // the run number moves only from the one seen: of concurrent sweeps one wins, and all then start that same run
  // (starting a running execution of the same name and input again is a no-op)
  const { session: current, applied } = await deps.sessions.apply(
    session.id,
    (s) => restartTeardown(s, run, deps.workflows.executionArns(s.id, run + 1).teardown),
    session,
  );
  if (current.status !== 'stopping') return;
  const next = current.teardown_run ?? 0;
  await deps.workflows.startTeardown(current.id, next);
  if (!applied) return;
  report.teardowns_restarted += 1;
  deps.metrics.add(METRIC.TeardownsRestarted, 'Count', 1);
  logger.warn('teardown execution died; started it again', { session_id: session.id, status: execution.status, run: next });
  await deps.events.append(session.id, [
    { type: 'teardown_restarted', at: now.toISOString(), run: next, previous_status: execution.status },
  ]);
}
