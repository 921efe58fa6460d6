// Task VerifySsh: one round of classified SSH probes; marks the session running when a key login succeeds.
import { Ssh2Prober } from '../../shared/adapters/ssh/prober.ts';
import { provisioningDeps } from '../../shared/composition/provisioning.ts';
import { taskHandler, taskState } from '../../shared/tasks/task-handler.ts';
import type { ProvisioningDeps } from '../../shared/use-cases/provisioning/deps.ts';
import { verifySsh } from '../../shared/use-cases/provisioning/verify-ssh.ts';

export const makeHandler = (deps: () => Promise<ProvisioningDeps>) =>
  taskHandler(taskState, async (input, context) =>
    verifySsh(await deps(), input, { remainingMs: () => context.getRemainingTimeInMillis() }),
  );

const prober = new Ssh2Prober();
export const handler = makeHandler(() => provisioningDeps().then((deps) => ({ ...deps, prober })));
