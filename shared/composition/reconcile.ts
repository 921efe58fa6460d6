// Wiring of the reconciler to real adapters, once per process.
import { DynamoReconcilerMemory } from '../adapters/dynamodb/reconciler-memory.ts';
import { numberEnv } from '../config.ts';
import { DEFAULT_ORPHAN_GRACE_SECONDS, type ReconcileDeps, type ReconcileSettings } from '../use-cases/reconcile/deps.ts';
import { instanceDeps } from './instance-deps.ts';
import { sharedStores } from './shared-clients.ts';

let deps: Promise<ReconcileDeps> | undefined;

export function reconcileSettingsFromEnv(): ReconcileSettings {
  return { orphanGraceMs: numberEnv('ORPHAN_GRACE_SECONDS', DEFAULT_ORPHAN_GRACE_SECONDS, { min: 0 }) * 1000 };
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
