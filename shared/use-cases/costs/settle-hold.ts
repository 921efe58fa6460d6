// Settlement: once a session has ended and every attempt's cost is closed in the ledger, the billed cost replaces
// its hold in the month counter (one conditional write, exactly once). A session whose ledger is still open (an
// instance not yet confirmed destroyed) stays held; the sweep settles it later.
import { round6 } from '../../domain/costs.ts';
import { isTerminal, type Session } from '../../domain/session.ts';
import { settle } from '../../domain/session-lifecycle.ts';
import type { CostLedger } from '../../ports/cost-ledger.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import type { BudgetWatch } from './budget-watch.ts';
import { attemptFigures } from './cost-report.ts';

interface SettleDeps {
  sessions: SessionStore;
  costs: CostLedger;
  clock: () => Date;
  watchBudget?: BudgetWatch;
}

/** Returns the session as stored afterwards (settled or not). */
export async function settleHold(deps: SettleDeps, session: Session): Promise<Session> {
  if (!session.hold_month || session.hold_settled_at || !isTerminal(session.status)) return session;
  const records = await deps.costs.forSession(session.id);
  if (records.some((r) => !r.ended_at)) return session;
  const now = deps.clock();
  const billed = round6(records.reduce((n, r) => n + attemptFigures(r, now).billed, 0));
  const { session: stored, applied } = await deps.sessions.apply(
    session.id,
    (s) => settle(s, billed, now.toISOString()),
    session,
  );
  if (applied) await deps.watchBudget?.(stored.consumer_id, session.hold_month);
  return stored;
}
