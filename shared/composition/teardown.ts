// Wiring of the teardown tasks to real adapters, once per process.
import { providerRegistry } from '../adapters/providers/registry.ts';
import { deploymentId } from '../config.ts';
import { powertoolsMetricsSink } from '../observability/metrics-sink.ts';
import type { TeardownDeps } from '../use-cases/teardown/deps.ts';
import { provisioningSettingsFromEnv } from './provisioning.ts';
import { sharedStores, sharedWorkflows, systemClock } from './shared-clients.ts';

const DEPLOYMENT = deploymentId();
let deps: Promise<TeardownDeps> | undefined;

export function teardownDeps(): Promise<TeardownDeps> {
  deps ??= (async () => {
    const stores = sharedStores();
    return {
      sessions: stores.sessions,
      events: stores.events,
      costs: stores.costs,
      workflows: sharedWorkflows(),
      providers: providerRegistry(),
      metrics: powertoolsMetricsSink,
      clock: systemClock,
      deploymentId: DEPLOYMENT,
      createListLagMs: provisioningSettingsFromEnv().createListLagMs,
    };
  })();
  return deps;
}
