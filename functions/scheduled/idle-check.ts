// Schedule IdleCheck (every IDLE_CHECK_SECONDS): running sessions with idle_stop_minutes asked how busy they are.
import { idleCheckDeps } from '../../shared/composition/idle.ts';
import { logger } from '../../shared/observability/powertools.ts';
import { scheduledHandler } from '../../shared/tasks/scheduled-handler.ts';
import { checkIdleSessions, type IdleCheckDeps } from '../../shared/use-cases/sessions/idle-check.ts';

export const makeHandler = (deps: () => IdleCheckDeps) =>
  scheduledHandler(async () => {
    const report = await checkIdleSessions(deps());
    if (report.checked) logger.info('idle check', { ...report });
    return report;
  });

export const handler = makeHandler(idleCheckDeps);
