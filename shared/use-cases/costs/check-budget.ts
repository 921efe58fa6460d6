// A consumer's optional monthly budget: a new session whose full reservation would take the month's spend past it
// is refused before anything is written.
import { BudgetExceededError } from '../../domain/errors.ts';
import { round6 } from '../../domain/costs.ts';
import type { BudgetStore } from '../../ports/budgets.ts';
import type { CostLedger } from '../../ports/cost-ledger.ts';
import { costSummary, monthBounds } from './cost-report.ts';

export function budgetCheck(deps: { budgets: BudgetStore; costs: CostLedger; clock: () => Date }) {
  return async (consumerId: string, pricePerHour: number, hours: number): Promise<void> => {
    const budget = await deps.budgets.get(consumerId);
    if (!budget) return;
    const now = deps.clock();
    const { from, to } = monthBounds(now);
    const spent = costSummary(consumerId, await deps.costs.forConsumer(consumerId, from, to), from, to, now).total_cost;
    const projected = round6(spent + pricePerHour * hours);
    if (projected > budget.monthly_limit_usd) {
      throw new BudgetExceededError(
        `this session (up to $${round6(pricePerHour * hours)}) would take ${consumerId} past its monthly budget of $${budget.monthly_limit_usd}`,
        { monthly_limit_usd: budget.monthly_limit_usd, month_to_date_usd: spent, session_max_usd: round6(pricePerHour * hours) },
      );
    }
  };
}
