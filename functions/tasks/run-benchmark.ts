// Task RunBenchmark (benchmark run): the benchmark command on the item's instance over SSH; the figures stored.
import { runBenchmarkDeps } from '../../shared/composition/benchmarks.ts';
import { taskHandler } from '../../shared/tasks/task-handler.ts';
import { type RunBenchmarkDeps, runBenchmark } from '../../shared/use-cases/benchmarks/benchmark-runs.ts';
import { itemState } from './advance-benchmark-item.ts';

export const makeHandler = (deps: () => RunBenchmarkDeps) =>
  taskHandler(itemState.omit({ failure: true }), async (ref) => runBenchmark(deps(), ref));

export const handler = makeHandler(runBenchmarkDeps);
