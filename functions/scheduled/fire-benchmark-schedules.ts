// Schedule BenchmarkScheduleCheck (every minute): starts the run each due benchmark schedule owes.
import { fireSchedulesDeps } from '../../shared/composition/benchmarks.ts';
import { logger } from '../../shared/observability/powertools.ts';
import { scheduledHandler } from '../../shared/tasks/scheduled-handler.ts';
import { type FireDeps, fireDueSchedules } from '../../shared/use-cases/benchmarks/benchmark-schedules.ts';

export const makeHandler = (deps: () => FireDeps) =>
  scheduledHandler(async () => {
    const report = await fireDueSchedules(deps());
    if (report.started || report.failed) logger.info('benchmark schedules', { ...report });
    return report;
  });

export const handler = makeHandler(fireSchedulesDeps);
