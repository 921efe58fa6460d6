// The one middy stack for Step Functions task functions: validated input (ids only), the session id on every log
// line, metrics flushed, and errors left to propagate with their literal names for the state machine to route.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { isAppError, PermanentError } from '../domain/errors.ts';
import { logger } from '../observability/powertools.ts';
import { publishMetrics } from '../observability/publish-metrics.ts';
import { traceHandler } from '../observability/tracing.ts';
import { countUnhandled } from '../observability/unhandled-errors.ts';

class InvalidTaskInputError extends PermanentError {
  override readonly name = 'InvalidTaskInputError';
  readonly errorType = 'invalid_task_input';
}

export const taskState = z.object({ session_id: z.string().min(1).max(64), attempt: z.number().int().min(1).max(20) });

export const stepFunctionsError = z
  .object({ Error: z.string().optional(), Cause: z.string().optional() })
  .optional();

export function taskHandler<S extends z.ZodType, O>(schema: S, run: (input: z.output<S>, context: Context) => Promise<O>) {
  return middy<unknown, O>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(traceHandler())
    .use(publishMetrics())
    .handler(async (event, context) => {
      const parsed = schema.safeParse(event);
      if (!parsed.success) {
        throw new InvalidTaskInputError(`task input rejected: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      }
      const input = parsed.data as { session_id?: string; attempt?: number };
      if (input.session_id) logger.appendKeys({ session_id: input.session_id, attempt: input.attempt });
      try {
        return await run(parsed.data, context);
      } catch (err) {
        // domain errors are the state machine's routing signals, not incidents
        if (isAppError(err)) logger.info('task ended with a routed error', { error_name: err.name, error_message: err.message });
        else {
          logger.error('task failed unexpectedly', { error: err as Error });
          countUnhandled();
        }
        throw err;
      }
    });
}

export const failureTypeSchema = z.enum([
  'ssh_timeout',
  'instance_stopped',
  'instance_vanished',
  'stale_inventory',
  'auth_rejected',
  'provider_error',
  'api_timeout',
  'destroy_failed',
]);
