// Wiring of the cost API function and the session sweep, once per process.
import { sharedBudgets, sharedBudgetWatch } from './budgets.ts';
import { sharedConsumerEventBus } from './consumer-events.ts';
import { config, isDeployed } from '../config.ts';
import { powertoolsMetricsSink } from '../observability/metrics-sink.ts';
import type { SweepDeps } from '../use-cases/sessions/sweep-sessions.ts';
import { sharedStores, sharedWorkflows, systemClock } from './shared-clients.ts';

export const hardMaxHours = () => config().get('HARD_MAX_HOURS');

/**
 * How long a reserved hour lasts (expires_at, hard_max_at, extensions). Local-only: accelerated runs (`npm run chaos`)
 * shorten it with RESERVATION_HOUR_SECONDS so sessions expire within the run; a deployed function always uses 3600 s.
 */
export const reservationHourMs = () => (isDeployed() ? 3_600_000 : config().get('RESERVATION_HOUR_SECONDS') * 1000);

export function costsApiDeps() {
  const stores = sharedStores();
  return {
    sessions: stores.sessions,
    costs: stores.costs,
    budgets: sharedBudgets(),
    watchBudget: sharedBudgetWatch({ stops: true }),
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
    costs: stores.costs,
    clock: systemClock,
    watchBudget: sharedBudgetWatch({ stops: true }),
    bus: sharedConsumerEventBus(),
  };
}
