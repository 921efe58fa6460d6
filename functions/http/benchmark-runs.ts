// Lambda entry point: shared/http/routes/benchmark-runs.ts wired for production (the app model names this file).
import { benchmarkRunsApiDeps } from '../../shared/composition/benchmarks.ts';
import { makeHandler } from '../../shared/http/routes/benchmark-runs.ts';

export const handler = makeHandler(benchmarkRunsApiDeps());
