// Task VerifySsh: one round of classified SSH probes; marks the session running when a key login succeeds.
import { verifySshDeps } from '../../shared/composition/verify-ssh.ts';
import { taskHandler, taskState } from '../../shared/tasks/task-handler.ts';
import type { ProvisioningDeps } from '../../shared/use-cases/provisioning/deps.ts';
import { verifySsh } from '../../shared/use-cases/provisioning/verify-ssh.ts';

export const makeHandler = (deps: () => Promise<ProvisioningDeps>) =>
  taskHandler(taskState, async (input, context) =>
    verifySsh(await deps(), input, { remainingMs: () => context.getRemainingTimeInMillis() }),
  );

export const handler = makeHandler(verifySshDeps);
