// Task ChooseRetryOffer: continue the session on a comparable offer while auto-retry allows.
import { provisioningDeps } from '../../shared/composition/provisioning.ts';
import { failureTypeSchema, taskHandler, taskState } from '../../shared/tasks/task-handler.ts';
import { chooseRetryOffer } from '../../shared/use-cases/provisioning/choose-retry-offer.ts';
import type { ProvisioningDeps } from '../../shared/use-cases/provisioning/deps.ts';

export const makeHandler = (deps: () => Promise<ProvisioningDeps>) =>
  taskHandler(taskState.extend({ failure_type: failureTypeSchema }), async (input) => chooseRetryOffer(await deps(), input));

export const handler = makeHandler(provisioningDeps);
