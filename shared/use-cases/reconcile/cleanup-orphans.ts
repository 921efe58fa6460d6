// The operator's cleanup (`npm run ops -- cleanup-orphans`): this deployment's instances that no active session owns,
// by the same rules as the reconciler, listed with their age and price; destroyed (and confirmed) only when asked,
// and only once older than the minimum age. Other deployments' instances are never listed, let alone touched.
import type { ProviderName } from '../../domain/offer.ts';
import type { ProviderRegistry } from '../../ports/provider.ts';
import type { ReconcilerMemoryStore } from '../../ports/reconciler-memory.ts';
import { type DestroyOrphanDeps, destroyOrphan, type OrphanOutcome } from './destroy-orphan.ts';
import { findUnowned, instanceSince, partition, type UnownedReason } from './ownership.ts';

interface CleanupDeps extends DestroyOrphanDeps {
  providers: ProviderRegistry;
  memory: Pick<ReconcilerMemoryStore, 'load'>;
  deploymentId: string;
}

export interface CleanupOptions {
  /** destroy; without it, only list */
  execute: boolean;
  /** younger instances (or of unknown age) are listed but kept: a create may still be recording them */
  minAgeMs: number;
}

export interface OrphanRow {
  provider: ProviderName;
  instance_id: string;
  label: string;
  session_id: string;
  reason: UnownedReason;
  provider_status: string;
  /** unknown when the provider gives no creation time and the reconciler has not seen it yet */
  age_seconds?: number;
  price_per_hour?: number;
  action: 'listed' | 'kept_too_young' | OrphanOutcome['kind'];
  error?: string;
}

export interface CleanupResult {
  deployment_id: string;
  executed: boolean;
  min_age_seconds: number;
  orphans: OrphanRow[];
  /** providers whose listing failed: nothing was decided for them */
  listing_failures: { provider: ProviderName; error: string }[];
}

export async function cleanupOrphans(deps: CleanupDeps, options: CleanupOptions): Promise<CleanupResult> {
  const result: CleanupResult = {
    deployment_id: deps.deploymentId,
    executed: options.execute,
    min_age_seconds: Math.round(options.minAgeMs / 1000),
    orphans: [],
    listing_failures: [],
  };
  for (const provider of await deps.providers.all()) {
    let listed: Awaited<ReturnType<typeof provider.listInstances>>;
    try {
      listed = await provider.listInstances();
    } catch (err) {
      result.listing_failures.push({ provider: provider.name, error: (err as Error).message });
      continue;
    }
    const memory = await deps.memory.load(provider.name);
    const now = deps.clock().getTime();
    for (const orphan of await findUnowned(deps.sessions, partition(listed, deps.deploymentId).ours)) {
      const since = instanceSince(orphan.instance, memory.first_seen[orphan.instance.id]);
      const age = since === undefined ? undefined : now - since;
      const row: OrphanRow = {
        provider: provider.name,
        instance_id: orphan.instance.id,
        label: orphan.instance.label ?? '',
        session_id: orphan.label.sessionId,
        reason: orphan.reason,
        provider_status: orphan.instance.provider_status,
        age_seconds: age === undefined ? undefined : Math.max(0, Math.round(age / 1000)),
        price_per_hour: orphan.instance.price_per_hour ?? orphan.attempt?.price_per_hour,
        action: 'listed',
      };
      result.orphans.push(row);
      if (!options.execute) continue;
      if (age === undefined ? options.minAgeMs > 0 : age < options.minAgeMs) {
        row.action = 'kept_too_young';
        continue;
      }
      const outcome = await destroyOrphan(deps, provider, orphan, 'operator');
      row.action = outcome.kind;
      if (outcome.kind === 'unreachable' || outcome.kind === 'not_confirmed') row.error = outcome.error.message;
    }
  }
  return result;
}
