// Schedule WatchCheck (every WATCH_CHECK_SECONDS, as often as the inventory refresh): every active price watch against
// the stored inventory at once.
import { checkWatchesDeps } from '../../shared/composition/watches.ts';
import { logger } from '../../shared/observability/powertools.ts';
import { scheduledHandler } from '../../shared/tasks/scheduled-handler.ts';
import { type CheckWatchesDeps, checkWatches } from '../../shared/use-cases/watches/check-watches.ts';

export const makeHandler = (deps: () => CheckWatchesDeps) =>
  scheduledHandler(async () => {
    const report = await checkWatches(deps());
    if (report.active || report.expired) logger.info('watch check', { ...report });
    return report;
  });

export const handler = makeHandler(checkWatchesDeps);
