// Execution environments per function and their cold starts, from the local Lambda host when it reports them
// (issue 16 part 1 gives the host one environment per concurrent invocation). Until it does, the figures are null:
// the shape stays, so the section fills them in as soon as the host has them.
import type { LambdaHost } from '../../local/lambda-host.ts';
import { quantile, round } from './stats.ts';

export interface EnvironmentFigures {
  /** environments started, per function id; null when the host does not report environments */
  started_per_function: Record<string, number> | null;
  cold_start_ms: { n: number; p50: number | null; p95: number | null } | null;
  note?: string;
}

/** What a host that models environments is expected to expose (duck-typed: the host's API is not settled yet). */
interface EnvironmentStats {
  functionId: string;
  /** environments started */
  started: number;
  /** cold-start durations, ms */
  coldStartsMs: number[];
}

export function environmentFigures(host: LambdaHost): EnvironmentFigures {
  const source = (host as unknown as { environmentStats?: () => EnvironmentStats[] }).environmentStats;
  if (typeof source !== 'function') {
    return {
      started_per_function: null,
      cold_start_ms: null,
      note: 'the local Lambda host runs every function once per process and reports no execution environments yet',
    };
  }
  const stats = source.call(host);
  const colds = stats.flatMap((s) => s.coldStartsMs);
  const q = (p: number) => {
    const v = quantile(colds, p);
    return v === null ? null : round(v, 1);
  };
  return {
    started_per_function: Object.fromEntries(stats.map((s) => [s.functionId, s.started])),
    cold_start_ms: { n: colds.length, p50: q(0.5), p95: q(0.95) },
  };
}
