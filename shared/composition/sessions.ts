// Wiring of the session and cost API functions and the session sweep, once per process.
import { randomUUID } from 'node:crypto';
import { DynamoBudgetStore } from '../adapters/dynamodb/budget-store.ts';
import { inventoryFromEnv } from '../adapters/dynamodb/inventory-from-env.ts';
import { secretCipherFromEnv } from '../adapters/secrets/secret-cipher-from-env.ts';
import { generateSshKeyPair } from '../adapters/ssh/keys.ts';
import { isDeployed, numberEnv } from '../config.ts';
import { powertoolsMetricsSink } from '../observability/metrics-sink.ts';
import { budgetCheck } from '../use-cases/costs/check-budget.ts';
import type { SweepDeps } from '../use-cases/sessions/sweep-sessions.ts';
import { sharedStores, sharedWorkflows, systemClock } from './shared-clients.ts';
import { templatesFromEnv } from './templates.ts';

export const hardMaxHours = () => numberEnv('HARD_MAX_HOURS', 12, { min: 1 });

/**
 * How long a reserved hour lasts (expires_at, hard_max_at, extensions). Local-only: accelerated runs (`npm run chaos`)
 * shorten it with RESERVATION_HOUR_SECONDS so sessions expire within the run; a deployed function always uses 3600 s.
 */
export const reservationHourMs = () => (isDeployed() ? 3_600_000 : numberEnv('RESERVATION_HOUR_SECONDS', 3600, { min: 1 }) * 1000);

export function sessionsApiDeps() {
  const stores = sharedStores();
  const budgets = new DynamoBudgetStore(stores.db, stores.tableName);
  return {
    sessions: stores.sessions,
    events: stores.events,
    workflows: sharedWorkflows(),
    inventory: inventoryFromEnv().service,
    cipher: secretCipherFromEnv(),
    metrics: powertoolsMetricsSink,
    clock: systemClock,
    newId: randomUUID,
    generateKeyPair: generateSshKeyPair,
    hardMaxHours: hardMaxHours(),
    reservationHourMs: reservationHourMs(),
    checkBudget: budgetCheck({ budgets, costs: stores.costs, clock: systemClock }),
    templates: templatesFromEnv().catalog,
    defaultDiskGb: numberEnv('DEFAULT_DISK_GB', 50, { min: 8 }),
  };
}

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
