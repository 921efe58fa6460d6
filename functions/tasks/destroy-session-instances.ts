// Task DestroySessionInstances (teardown): destroy every instance the session owns and confirm each is gone.
import * as z from 'zod';
import { teardownDeps } from '../../shared/composition/teardown.ts';
import { taskHandler, taskState } from '../../shared/tasks/task-handler.ts';
import type { TeardownDeps } from '../../shared/use-cases/teardown/deps.ts';
import { destroySessionInstances } from '../../shared/use-cases/teardown/teardown-steps.ts';

export const makeHandler = (deps: () => Promise<TeardownDeps>) =>
  taskHandler(z.object({ session_id: taskState.shape.session_id }), async (input) =>
    destroySessionInstances(await deps(), input),
  );

export const handler = makeHandler(teardownDeps);
