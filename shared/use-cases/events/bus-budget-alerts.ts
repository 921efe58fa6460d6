// Budget alerts as consumer events (budget.threshold), beside the SNS topic (or the local file): the same alert, to
// the consumer's webhooks. markAlerted lets exactly one caller publish a month's level, and the id is that level's.
import type { BudgetAlert, BudgetAlerts } from '../../ports/budgets.ts';
import type { PublishEvents } from './publishing-session-store.ts';

export class BusBudgetAlerts implements BudgetAlerts {
  constructor(private readonly send: PublishEvents) {}

  async publish(alert: BudgetAlert): Promise<void> {
    await this.send([
      {
        id: `budget.${alert.consumer_id}.${alert.month}.${alert.level}`,
        type: 'budget.threshold',
        consumer_id: alert.consumer_id,
        at: alert.at,
        detail: { ...alert },
      },
    ]);
  }
}

/** Every sink gets the alert; one failing does not keep it from the others (the first failure is rethrown). */
export class FanOutBudgetAlerts implements BudgetAlerts {
  constructor(private readonly sinks: BudgetAlerts[]) {}

  async publish(alert: BudgetAlert): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map((s) => s.publish(alert)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
