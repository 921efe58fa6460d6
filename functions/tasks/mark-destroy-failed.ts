// Task MarkDestroyFailed: the failed attempt's instance could not be confirmed gone; page an operator.
import { provisioningDeps } from '../../shared/composition/provisioning.ts';
import { taskHandler, taskState } from '../../shared/tasks/task-handler.ts';
import type { ProvisioningDeps } from '../../shared/use-cases/provisioning/deps.ts';
import { markDestroyFailed } from '../../shared/use-cases/provisioning/mark-failed.ts';

export const makeHandler = (deps: () => Promise<ProvisioningDeps>) =>
  taskHandler(taskState, async (input) => markDestroyFailed(await deps(), input));

export const handler = makeHandler(provisioningDeps);
