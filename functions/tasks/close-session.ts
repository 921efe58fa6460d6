// Task CloseSession (teardown): close the cost records and end the session stopped.
import * as z from 'zod';
import { teardownDeps } from '../../shared/composition/teardown.ts';
import { taskHandler, taskState } from '../../shared/tasks/task-handler.ts';
import type { TeardownDeps } from '../../shared/use-cases/teardown/deps.ts';
import { closeSession } from '../../shared/use-cases/teardown/teardown-steps.ts';

export const makeHandler = (deps: () => Promise<TeardownDeps>) =>
  taskHandler(z.object({ session_id: taskState.shape.session_id }), async (input) => closeSession(await deps(), input));

export const handler = makeHandler(teardownDeps);
