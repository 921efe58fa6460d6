// Task FinishBenchmarkRun (benchmark run): every item has ended; the run is completed (or stays cancelled).
import { benchmarkStores } from '../../shared/composition/benchmarks.ts';
import { systemClock } from '../../shared/composition/shared-clients.ts';
import type { BenchmarkRunStore } from '../../shared/ports/benchmarks.ts';
import { taskHandler } from '../../shared/tasks/task-handler.ts';
import { finishRun } from '../../shared/use-cases/benchmarks/benchmark-runs.ts';
import { runState } from './plan-benchmark-run.ts';

export const makeHandler = (deps: () => { runs: BenchmarkRunStore; clock: () => Date }) =>
  taskHandler(runState, async (input) => finishRun(deps(), input.run_id));

export const handler = makeHandler(() => ({ runs: benchmarkStores().runs, clock: systemClock }));
