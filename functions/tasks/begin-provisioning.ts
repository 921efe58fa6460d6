// Task BeginProvisioning: pending → provisioning with the first attempt (or the attempt in progress on a resume).
import * as z from 'zod';
import { provisioningDeps } from '../../shared/composition/provisioning.ts';
import { taskHandler, taskState } from '../../shared/tasks/task-handler.ts';
import { beginProvisioning } from '../../shared/use-cases/provisioning/begin-provisioning.ts';
import type { ProvisioningDeps } from '../../shared/use-cases/provisioning/deps.ts';

export const makeHandler = (deps: () => Promise<ProvisioningDeps>) =>
  taskHandler(z.object({ session_id: taskState.shape.session_id }), async (input) => beginProvisioning(await deps(), input));

export const handler = makeHandler(provisioningDeps);
