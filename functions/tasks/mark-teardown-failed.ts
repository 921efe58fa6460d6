// Task MarkTeardownFailed: the instances could not be confirmed destroyed; end the session failed and page.
import * as z from 'zod';
import { teardownDeps } from '../../shared/composition/teardown.ts';
import { taskHandler, taskState } from '../../shared/tasks/task-handler.ts';
import type { TeardownDeps } from '../../shared/use-cases/teardown/deps.ts';
import { markTeardownFailed } from '../../shared/use-cases/teardown/teardown-steps.ts';

export const makeHandler = (deps: () => Promise<TeardownDeps>) =>
  taskHandler(z.object({ session_id: taskState.shape.session_id }), async (input) => markTeardownFailed(await deps(), input));

export const handler = makeHandler(teardownDeps);
