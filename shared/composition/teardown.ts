// Wiring of the teardown tasks to real adapters, once per process.
import type { TeardownDeps } from '../use-cases/teardown/deps.ts';
import { sharedBudgetWatch } from './budgets.ts';
import { instanceDeps } from './instance-deps.ts';
import { provisioningSettingsFromEnv } from './provisioning.ts';

let deps: Promise<TeardownDeps> | undefined;

export function teardownDeps(): Promise<TeardownDeps> {
  deps ??= Promise.resolve({ ...instanceDeps(), createListLagMs: provisioningSettingsFromEnv().createListLagMs,
    watchBudget: sharedBudgetWatch({ stops: false }),
  });
  return deps;
}
