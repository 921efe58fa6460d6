// Schedule SessionSweep (every EXPIRY_SWEEP_SECONDS): expiry, hard maximum, and sessions stuck without a workflow.
import { sweepDeps } from '../../shared/composition/sessions.ts';
import { logger } from '../../shared/observability/powertools.ts';
import { scheduledHandler } from '../../shared/tasks/scheduled-handler.ts';
import { type SweepDeps, sweepSessions } from '../../shared/use-cases/sessions/sweep-sessions.ts';

export const makeHandler = (deps: () => Promise<SweepDeps>) =>
  scheduledHandler(async () => {
    const report = await sweepSessions(await deps());
    logger.info('session sweep', { ...report });
    return report;
  });

export const handler = makeHandler(sweepDeps);
