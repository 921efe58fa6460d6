// Task MarkFailed: the session ends failed with the last attempt's error_type.
import * as z from 'zod';
import { provisioningDeps } from '../../shared/composition/provisioning.ts';
import { failureTypeSchema, stepFunctionsError, taskHandler, taskState } from '../../shared/tasks/task-handler.ts';
import type { ProvisioningDeps } from '../../shared/use-cases/provisioning/deps.ts';
import { markFailed } from '../../shared/use-cases/provisioning/mark-failed.ts';

const input = z.object({
  session_id: taskState.shape.session_id,
  attempt: taskState.shape.attempt.optional(),
  failure_type: failureTypeSchema.optional(),
  error: stepFunctionsError,
  refund_error: stepFunctionsError,
  retry_error: stepFunctionsError,
});

export const makeHandler = (deps: () => Promise<ProvisioningDeps>) =>
  taskHandler(input, async (state) => markFailed(await deps(), state));

export const handler = makeHandler(provisioningDeps);
