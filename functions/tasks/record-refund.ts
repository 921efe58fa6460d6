// Task RecordRefund: refund the failed attempt, emit the failure metrics, record the offer's failure.
import { provisioningDeps } from '../../shared/composition/provisioning.ts';
import { failureTypeSchema, taskHandler, taskState } from '../../shared/tasks/task-handler.ts';
import type { ProvisioningDeps } from '../../shared/use-cases/provisioning/deps.ts';
import { recordRefund } from '../../shared/use-cases/provisioning/record-refund.ts';

export const makeHandler = (deps: () => Promise<ProvisioningDeps>) =>
  taskHandler(taskState.extend({ failure_type: failureTypeSchema }), async (input) => recordRefund(await deps(), input));

export const handler = makeHandler(provisioningDeps);
