// Task VerifyApi: one round of HTTP health probes of an entrypoint workload's server; marks the session running
// when it answers 2xx.
import { provisioningDeps } from '../../shared/composition/provisioning.ts';
import { taskHandler, taskState } from '../../shared/tasks/task-handler.ts';
import type { ProvisioningDeps } from '../../shared/use-cases/provisioning/deps.ts';
import { verifyApi } from '../../shared/use-cases/provisioning/verify-api.ts';

export const makeHandler = (deps: () => Promise<ProvisioningDeps>) =>
  taskHandler(taskState, async (input, context) =>
    verifyApi(await deps(), input, { remainingMs: () => context.getRemainingTimeInMillis() }),
  );

export const handler = makeHandler(provisioningDeps);
