import type { MetricsSink, MetricUnit } from '../../shared/ports/metrics.ts';

/** For tests: remembers what was emitted. */
export class RecordingMetricsSink implements MetricsSink {
  readonly emitted: { name: string; unit: MetricUnit; value: number; dimensions: Record<string, string> }[] = [];
  add(name: string, unit: MetricUnit, value: number, dimensions: Record<string, string> = {}) {
    this.emitted.push({ name, unit, value, dimensions });
  }
  count(name: string, dimensions: Record<string, string> = {}): number {
    return this.emitted
      .filter((m) => m.name === name && Object.entries(dimensions).every(([k, v]) => m.dimensions[k] === v))
      .reduce((n, m) => n + m.value, 0);
  }
}
