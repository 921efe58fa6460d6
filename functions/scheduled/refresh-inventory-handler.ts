// The refresh handler, apart from its composition root (refresh-inventory.ts) so that tests can run it with fake
// providers without loading the real provider adapters.
import type { Context, ScheduledEvent } from 'aws-lambda';
import { emitRefreshMetrics } from '../../shared/observability/inventory-metrics.ts';
import { logger } from '../../shared/observability/powertools.ts';
import type { InventorySnapshotWriter } from '../../shared/ports/inventory-storage.ts';
import type { MetricsSink } from '../../shared/ports/metrics.ts';
import type { ProviderRegistry } from '../../shared/ports/provider.ts';
import { scheduledHandler } from '../../shared/tasks/scheduled-handler.ts';
import { type ProviderRefresh, type RefreshOptions, refreshInventory } from '../../shared/use-cases/refresh-inventory.ts';

export interface RefreshHandlerDeps {
  registry: ProviderRegistry;
  store: InventorySnapshotWriter;
  now: () => Date;
  options: Omit<RefreshOptions, 'deadline'>;
  /** time kept back from the function's own timeout for storing and reporting */
  reserveMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Powertools EMF when absent */
  metrics?: MetricsSink;
}

interface RefreshSummary {
  providers: Pick<ProviderRefresh, 'provider' | 'outcome' | 'status' | 'offer_count' | 'write_requests' | 'error'>[];
}

export function makeHandler(deps: RefreshHandlerDeps) {
  return scheduledHandler(async (_event: ScheduledEvent, context: Context): Promise<RefreshSummary> => {
    const deadline = deps.now().getTime() + context.getRemainingTimeInMillis() - (deps.reserveMs ?? 5_000);
    const results = await refreshInventory({ ...deps, options: { ...deps.options, deadline } });
    for (const r of results) {
      const line = { ...r };
      if (r.outcome === 'failed' || r.outcome === 'storage_error') logger.warn('inventory refresh failed', line);
      else logger.info('inventory refreshed', line);
    }
    emitRefreshMetrics(results, deps.metrics);
    const storage = results.filter((r) => r.outcome === 'storage_error');
    if (storage.length) {
      // the invocation fails so the function's error alarm sees it; provider failures are normal and do not
      throw new Error(`inventory storage failed for ${storage.map((r) => r.provider).join(', ')}`);
    }
    return {
      providers: results.map(({ provider, outcome, status, offer_count, write_requests, error }) => ({
        provider,
        outcome,
        status,
        offer_count,
        write_requests,
        error,
      })),
    };
  });
}
