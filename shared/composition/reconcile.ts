// Wiring of the reconciler to real adapters, once per process.
import { DynamoReconcilerMemory } from '../adapters/dynamodb/reconciler-memory.ts';
import { config } from '../config.ts';
import type { ReconcileDeps, ReconcileSettings } from '../use-cases/reconcile/deps.ts';
import { instanceDeps } from './instance-deps.ts';
import { sharedStores } from './shared-clients.ts';

let deps: Promise<ReconcileDeps> | undefined;

export function reconcileSettingsFromEnv(): ReconcileSettings {
  return { orphanGraceMs: config().get('ORPHAN_GRACE_SECONDS') * 1000 };
}

export function reconcileDeps(): Promise<ReconcileDeps> {
  deps ??= (async () => {
    const { db, tableName } = sharedStores();
    return {
      ...instanceDeps(),
      memory: new DynamoReconcilerMemory(db, tableName),
      settings: reconcileSettingsFromEnv(),
    };
  })();
  return deps;
}
