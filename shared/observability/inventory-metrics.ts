// The inventory refresh's metrics, one EMF record per provider with dimensions {service, provider}. The stale
// inventory alarms (infra/stack.ts) are built from these same names, so code and alarms cannot drift apart.
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { ProviderRefresh } from '../use-cases/refresh-inventory.ts';
import { MetricUnit, metrics } from './powertools.ts';

export const INVENTORY_METRICS = {
  refreshDuration: 'InventoryRefreshDuration',
  offers: 'InventoryOffers',
  refreshErrors: 'InventoryRefreshErrors',
  snapshotAge: 'InventorySnapshotAgeSeconds',
  writeRequests: 'InventoryWriteRequests',
} as const;

export const PROVIDER_DIMENSION = 'provider';

export function emitRefreshMetrics(results: ProviderRefresh[], sink: Metrics = metrics): void {
  for (const r of results) {
    sink.addDimension(PROVIDER_DIMENSION, r.provider);
    sink.addMetric(INVENTORY_METRICS.refreshDuration, MetricUnit.Milliseconds, r.duration_ms);
    sink.addMetric(INVENTORY_METRICS.offers, MetricUnit.Count, r.offer_count);
    sink.addMetric(
      INVENTORY_METRICS.refreshErrors,
      MetricUnit.Count,
      r.outcome === 'failed' || r.outcome === 'storage_error' ? 1 : 0,
    );
    sink.addMetric(INVENTORY_METRICS.writeRequests, MetricUnit.Count, r.write_requests);
    if (r.snapshot_age_seconds !== undefined) {
      sink.addMetric(INVENTORY_METRICS.snapshotAge, MetricUnit.Seconds, r.snapshot_age_seconds);
    }
    // one record per provider: dimensions are per record, and publishing clears them for the next provider
    sink.publishStoredMetrics();
  }
}
