// Task CreateInstance: rent the attempt's offer, idempotently (see the use case).
import { provisioningDeps } from '../../shared/composition/provisioning.ts';
import { taskHandler, taskState } from '../../shared/tasks/task-handler.ts';
import { createInstance } from '../../shared/use-cases/provisioning/create-instance.ts';
import type { ProvisioningDeps } from '../../shared/use-cases/provisioning/deps.ts';

export const makeHandler = (deps: () => Promise<ProvisioningDeps>) =>
  taskHandler(taskState, async (input) => createInstance(await deps(), input));

export const handler = makeHandler(provisioningDeps);
