// Wiring of the cost API function and the session sweep, once per process.
import { DynamoBudgetStore } from '../adapters/dynamodb/budget-store.ts';
import { numberEnv } from '../config.ts';
import { powertoolsMetricsSink } from '../observability/metrics-sink.ts';
import type { SweepDeps } from '../use-cases/sessions/sweep-sessions.ts';
import { sharedStores, sharedWorkflows, systemClock } from './shared-clients.ts';

export const hardMaxHours = () => numberEnv('HARD_MAX_HOURS', 12, { min: 1 });

export function costsApiDeps() {
  const stores = sharedStores();
  return {
    sessions: stores.sessions,
    costs: stores.costs,
    budgets: new DynamoBudgetStore(stores.db, stores.tableName),
    clock: systemClock,
  };
}

export async function sweepDeps(): Promise<SweepDeps> {
  const stores = sharedStores();
  return {
    sessions: stores.sessions,
    events: stores.events,
    workflows: sharedWorkflows(),
    metrics: powertoolsMetricsSink,
    clock: systemClock,
  };
}
