// Task AdvanceBenchmarkItem (benchmark run): one step of an item — reserve and create its session, watch it come up,
// end it once measured, settle what it cost — and what the workflow does next (wait, benchmark, done).
import * as z from 'zod';
import { advanceItemDeps } from '../../shared/composition/benchmarks.ts';
import { stepFunctionsError, taskHandler } from '../../shared/tasks/task-handler.ts';
import { type AdvanceDeps, advanceItem } from '../../shared/use-cases/benchmarks/benchmark-runs.ts';

export const itemState = z.object({
  run_id: z.string().min(1).max(64),
  item_id: z.string().regex(/^\d{3}$/),
  // RunBenchmark's error, when its retries ran out (the Catch puts it here)
  failure: stepFunctionsError,
});

export const makeHandler = (deps: () => AdvanceDeps) =>
  taskHandler(itemState, async ({ failure, ...ref }) => advanceItem(deps(), ref, failure));

export const handler = makeHandler(advanceItemDeps);
