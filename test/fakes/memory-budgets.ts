// In-memory budgets and month counters: what the session store moves a hold against (the DynamoDB adapter keeps them
// as BUDGET#/MONTH# items). Only what the store's budget rule reads: the limit in force and the month's figures.
import { round6 } from '../../shared/domain/costs.ts';
import type { HoldChange, MonthCommitment } from '../../shared/domain/budget-hold.ts';
import { BudgetExceededError } from '../../shared/domain/errors.ts';

interface Month {
  held_usd: number;
  settled_usd: number;
  committed_usd: number;
  overrun_usd: number;
}

export class MemoryBudgets {
  private readonly limits = new Map<string, number>();
  private readonly months = new Map<string, Month>();

  setLimit(consumerId: string, monthlyLimitUsd: number | null): void {
    if (monthlyLimitUsd === null) this.limits.delete(consumerId);
    else this.limits.set(consumerId, monthlyLimitUsd);
  }

  limit(consumerId: string): number | null {
    return this.limits.get(consumerId) ?? null;
  }

  commitment(consumerId: string, month: string): MonthCommitment {
    const m = this.months.get(`${consumerId}#${month}`);
    const n = (v: number | undefined) => round6(v ?? 0);
    return {
      consumer_id: consumerId,
      month,
      held_usd: n(m?.held_usd),
      settled_usd: n(m?.settled_usd),
      committed_usd: n(m?.committed_usd),
      overrun_usd: n(m?.overrun_usd),
      alerted: {},
    };
  }

  /** Throws BudgetExceededError when growth would pass the limit; otherwise moves the month's figures. */
  move(change: HoldChange): void {
    const limit = this.limit(change.consumer_id);
    const delta = round6(change.held_delta + change.settled_delta);
    const { committed_usd } = this.commitment(change.consumer_id, change.month);
    if (change.grows && limit !== null && (delta > limit || committed_usd > round6(limit - delta))) {
      throw new BudgetExceededError(
        `$${delta} more would take ${change.consumer_id} past its monthly budget of $${limit} ($${committed_usd} already committed)`,
        { limit_usd: limit, committed_usd, requested_usd: delta, remaining_usd: round6(Math.max(0, limit - committed_usd)) },
      );
    }
    const key = `${change.consumer_id}#${change.month}`;
    const m = this.months.get(key) ?? { held_usd: 0, settled_usd: 0, committed_usd: 0, overrun_usd: 0 };
    this.months.set(key, {
      held_usd: m.held_usd + change.held_delta,
      settled_usd: m.settled_usd + change.settled_delta,
      committed_usd: m.committed_usd + delta,
      overrun_usd: m.overrun_usd + change.overrun,
    });
  }
}
