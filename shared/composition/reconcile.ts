// Wiring of the reconciler to real adapters, once per process.
import { DynamoReconcilerMemory } from '../adapters/dynamodb/reconciler-memory.ts';
import { providerRegistry } from '../adapters/providers/registry.ts';
import { deploymentId, numberEnv } from '../config.ts';
import { powertoolsMetricsSink } from '../observability/metrics-sink.ts';
import { DEFAULT_ORPHAN_GRACE_SECONDS, type ReconcileDeps, type ReconcileSettings } from '../use-cases/reconcile/deps.ts';
import { sharedStores, sharedWorkflows, systemClock } from './shared-clients.ts';

// validated at cold start: without its deployment id the reconciler could not tell its instances from anyone else's
const DEPLOYMENT = deploymentId();
let deps: Promise<ReconcileDeps> | undefined;

export function reconcileSettingsFromEnv(): ReconcileSettings {
  return { orphanGraceMs: numberEnv('ORPHAN_GRACE_SECONDS', DEFAULT_ORPHAN_GRACE_SECONDS, { min: 0 }) * 1000 };
}

export function reconcileDeps(): Promise<ReconcileDeps> {
  deps ??= (async () => {
    const stores = sharedStores();
    return {
      sessions: stores.sessions,
      events: stores.events,
      costs: stores.costs,
      workflows: sharedWorkflows(),
      providers: providerRegistry(),
      memory: new DynamoReconcilerMemory(stores.db, stores.tableName),
      metrics: powertoolsMetricsSink,
      clock: systemClock,
      deploymentId: DEPLOYMENT,
      settings: reconcileSettingsFromEnv(),
    };
  })();
  return deps;
}
