import type { MetricsSink, MetricUnit } from '../ports/metrics.ts';
import { metrics } from './powertools.ts';

/**
 * Writes each metric as its own EMF line with exactly the dimensions given (Powertools single metrics), so one
 * invocation can emit the same metric for several dimension sets without them bleeding into each other.
 */
export const powertoolsMetricsSink: MetricsSink = {
  add(name: string, unit: MetricUnit, value: number, dimensions: Record<string, string> = {}) {
    const single = metrics.singleMetric();
    for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
    single.addMetric(name, unit, value);
  },
};
