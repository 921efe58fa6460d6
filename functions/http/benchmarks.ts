// Lambda entry point: shared/http/routes/benchmarks.ts wired for production (the app model names this file).
import { benchmarksApiDeps } from '../../shared/composition/benchmark-results.ts';
import { makeHandler } from '../../shared/http/routes/benchmarks.ts';

export const handler = makeHandler(benchmarksApiDeps());
