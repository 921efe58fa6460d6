import { METRIC } from './metric-names.ts';
import { powertoolsMetricsSink } from './metrics-sink.ts';

/**
 * One failure no handler expected (a bug, or a dependency down): counted on one service-wide metric, which the
 * FunctionErrors alarm watches. Emitted only when it happens, so a healthy month costs nothing.
 */
export function countUnhandled(): void {
  powertoolsMetricsSink.add(METRIC.UnhandledErrors, 'Count', 1);
}
