// After anything that moves a consumer's month (a hold, a settlement, a changed limit): alert once at 80 % and once
// at 100 % of the limit (100 % also when a request was refused for the budget), and with `on_exceeded: stop` end
// the consumer's sessions once the month is committed past the limit. Never fails its caller: the money rule itself
// is the session store's conditional write; this only tells people about it.
import { round6 } from '../../domain/costs.ts';
import type { AlertLevel, BudgetAlerts, BudgetStore } from '../../ports/budgets.ts';

interface BudgetWatchDeps {
  budgets: BudgetStore;
  alerts: BudgetAlerts;
  clock: () => Date;
  /** ends the consumer's active sessions (reason budget_exceeded); returns how many it asked to end */
  stopSessions?: (consumerId: string) => Promise<number>;
  onError?: (err: unknown) => void;
}

export type BudgetWatch = (consumerId: string, month: string, opts?: { refused?: boolean }) => Promise<void>;

export function budgetWatch(deps: BudgetWatchDeps): BudgetWatch {
  return async (consumerId, month, opts = {}) => {
    try {
      const budget = await deps.budgets.get(consumerId);
      if (!budget) return;
      const c = await deps.budgets.commitment(consumerId, month);
      const share = c.committed_usd / budget.monthly_limit_usd;
      const at = deps.clock().toISOString();
      const levels: AlertLevel[] = [];
      if (share >= 0.8 && !c.alerted?.pct80) levels.push(80);
      if ((share >= 1 || opts.refused) && !c.alerted?.pct100) levels.push(100);
      for (const level of levels) {
        if (!(await deps.budgets.markAlerted(consumerId, month, level, at))) continue;
        await deps.alerts.publish({
          type: 'budget_threshold',
          consumer_id: consumerId,
          month,
          level,
          limit_usd: budget.monthly_limit_usd,
          committed_usd: c.committed_usd,
          held_usd: c.held_usd,
          settled_usd: c.settled_usd,
          on_exceeded: budget.on_exceeded,
          at,
        });
      }
      if (budget.on_exceeded === 'stop' && round6(c.committed_usd) > budget.monthly_limit_usd) {
        await deps.stopSessions?.(consumerId);
      }
    } catch (err) {
      deps.onError?.(err);
    }
  };
}
