// The inventory refresh's metrics, per provider (dimensions {service, provider} once written as EMF). The stale
// inventory alarms (infra/stack.ts) are built from these same names, so code and alarms cannot drift apart.
import type { MetricsSink } from '../ports/metrics.ts';
import type { ProviderRefresh } from '../use-cases/refresh-inventory.ts';
import { powertoolsMetricsSink } from './metrics-sink.ts';

export const INVENTORY_METRICS = {
  refreshDuration: 'InventoryRefreshDuration',
  offers: 'InventoryOffers',
  refreshErrors: 'InventoryRefreshErrors',
  snapshotAge: 'InventorySnapshotAgeSeconds',
} as const;

export const PROVIDER_DIMENSION = 'provider';

export function emitRefreshMetrics(results: ProviderRefresh[], sink: MetricsSink = powertoolsMetricsSink): void {
  for (const r of results) {
    const dims = { [PROVIDER_DIMENSION]: r.provider };
    const failed = r.outcome === 'failed' || r.outcome === 'storage_error';
    sink.add(INVENTORY_METRICS.refreshDuration, 'Milliseconds', r.duration_ms, dims);
    sink.add(INVENTORY_METRICS.offers, 'Count', r.offer_count, dims);
    // errors only when there are some (a custom metric is billed for every hour it receives data); write
    // requests are in the refresh's log line, not a metric of their own
    if (failed) sink.add(INVENTORY_METRICS.refreshErrors, 'Count', 1, dims);
    if (r.snapshot_age_seconds !== undefined) {
      sink.add(INVENTORY_METRICS.snapshotAge, 'Seconds', r.snapshot_age_seconds, dims);
    }
  }
}
