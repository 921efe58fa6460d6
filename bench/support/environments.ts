// Execution environments per function and their cold starts, from the local Lambda host's environment pools. A
// runtime in process mode (LOCAL_LAMBDA_ENVIRONMENTS=process) has no pools: the figures are then null.
import type { LambdaHost } from '../../local/lambda-host.ts';

interface EnvironmentFigures {
  /** environments started, per function id; null when the host ran the functions in process */
  started_per_function: Record<string, number> | null;
  /** over functions: the median of their cold-start p50s and the worst p95 (the host keeps percentiles, not samples) */
  cold_start_ms: { n: number; p50: number | null; p95: number | null } | null;
  note?: string;
}

export function environmentFigures(host: LambdaHost): EnvironmentFigures {
  const stats = Object.entries(host.environmentStats()).filter(([, s]) => s.started > 0);
  if (stats.length === 0) {
    return { started_per_function: null, cold_start_ms: null, note: 'the runtime ran the functions in process: no execution environments' };
  }
  const p50s = stats.map(([, s]) => s.cold_start_ms.p50).filter((v): v is number => v !== null).sort((a, b) => a - b);
  const p95s = stats.map(([, s]) => s.cold_start_ms.p95).filter((v): v is number => v !== null);
  return {
    started_per_function: Object.fromEntries(stats.map(([id, s]) => [id, s.started])),
    cold_start_ms: {
      n: stats.reduce((n, [, s]) => n + s.cold_start_ms.count, 0),
      p50: p50s.length ? p50s[Math.floor(p50s.length / 2)]! : null,
      p95: p95s.length ? Math.max(...p95s) : null,
    },
  };
}
