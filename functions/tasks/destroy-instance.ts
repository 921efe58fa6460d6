// Task DestroyInstance (compensation): destroy the failed attempt's instance and confirm it is gone.
import { provisioningDeps } from '../../shared/composition/provisioning.ts';
import { stepFunctionsError, taskHandler, taskState } from '../../shared/tasks/task-handler.ts';
import type { ProvisioningDeps } from '../../shared/use-cases/provisioning/deps.ts';
import { destroyFailedAttempt } from '../../shared/use-cases/provisioning/destroy-instance.ts';

export const makeHandler = (deps: () => Promise<ProvisioningDeps>) =>
  taskHandler(taskState.extend({ error: stepFunctionsError }), async (input) => destroyFailedAttempt(await deps(), input));

export const handler = makeHandler(provisioningDeps);
