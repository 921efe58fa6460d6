// Schedule SessionSweep (every EXPIRY_SWEEP_SECONDS): expiry, hard maximum, and sessions stuck without a workflow.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { sweepDeps } from '../../shared/composition/sessions.ts';
import { logger } from '../../shared/observability/powertools.ts';
import { publishMetrics } from '../../shared/observability/publish-metrics.ts';
import { type SweepDeps, sweepSessions } from '../../shared/use-cases/sessions/sweep-sessions.ts';

export const makeHandler = (deps: () => Promise<SweepDeps>) =>
  middy({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .handler(async () => {
      const report = await sweepSessions(await deps());
      logger.info('session sweep', { ...report });
      return report;
    });

export const handler = makeHandler(sweepDeps);
