// The messages between the Lambda host and an execution environment (worker thread). Everything is structured
// clone data: events and results are JSON, errors travel as SerializedError.
import type { InvocationMeta } from './lambda-context.ts';
import type { SerializedError } from './lambda-errors.ts';

export type HostMessage = { type: 'invoke'; meta: InvocationMeta; event: unknown };

export type EnvironmentMessage =
  | { type: 'ready'; initMs: number }
  | { type: 'init-failed'; error: SerializedError }
  | { type: 'result'; ok: true; value: unknown }
  | { type: 'result'; ok: false; error: SerializedError };
