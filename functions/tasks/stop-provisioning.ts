// Task StopProvisioning (teardown): stop the session's provisioning execution if it still runs.
import * as z from 'zod';
import { teardownDeps } from '../../shared/composition/teardown.ts';
import { taskHandler, taskState } from '../../shared/tasks/task-handler.ts';
import type { TeardownDeps } from '../../shared/use-cases/teardown/deps.ts';
import { stopProvisioning } from '../../shared/use-cases/teardown/teardown-steps.ts';

export const makeHandler = (deps: () => Promise<TeardownDeps>) =>
  taskHandler(z.object({ session_id: taskState.shape.session_id }), async (input) => stopProvisioning(await deps(), input));

export const handler = makeHandler(teardownDeps);
