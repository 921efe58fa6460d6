// The one middy stack for scheduled functions (EventBridge targets): Powertools logger and metrics, and an
// unexpected failure counted where the function-error alarm sees it.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { countUnhandled } from '../observability/unhandled-errors.ts';
import { logger } from '../observability/powertools.ts';
import { publishMetrics } from '../observability/publish-metrics.ts';
import { traceHandler } from '../observability/tracing.ts';

export function scheduledHandler<T>(run: (event: ScheduledEvent, context: Context) => Promise<T>) {
  return middy<ScheduledEvent, T>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(traceHandler())
    .use(publishMetrics())
    .handler(async (event, context) => {
      try {
        return await run(event, context);
      } catch (err) {
        logger.error('scheduled run failed', { error: err as Error });
        countUnhandled();
        throw err;
      }
    });
}
