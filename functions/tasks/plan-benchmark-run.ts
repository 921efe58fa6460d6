// Task PlanBenchmarkRun (benchmark run): the run's items, as ids for the Map.
import * as z from 'zod';
import { benchmarkStores } from '../../shared/composition/benchmarks.ts';
import type { BenchmarkRunStore } from '../../shared/ports/benchmarks.ts';
import { taskHandler } from '../../shared/tasks/task-handler.ts';
import { planRun } from '../../shared/use-cases/benchmarks/benchmark-runs.ts';

export const runState = z.object({ run_id: z.string().min(1).max(64) });

export const makeHandler = (deps: () => { runs: BenchmarkRunStore }) =>
  taskHandler(runState, async (input) => planRun(deps().runs, input.run_id));

export const handler = makeHandler(benchmarkStores);
