// Inside one execution environment (a worker thread): its own module instance of the function's entry, loaded once
// at start (the cold start), then one invocation at a time as the host sends them, the way a Lambda sandbox runs.
import { parentPort, workerData } from 'node:worker_threads';
import { type InvocationMeta, lambdaContext } from './lambda-context.ts';
import { serializeError } from './lambda-errors.ts';
import type { EnvironmentMessage, HostMessage } from './environment-protocol.ts';

// biome-ignore lint/suspicious/noExplicitAny: handlers are typed per function; the environment is generic
type AnyHandler = (event: any, context: ReturnType<typeof lambdaContext>) => Promise<any>;

const port = parentPort!;
const { entryUrl, startedAt } = workerData as { entryUrl: string; startedAt: number };
const send = (message: EnvironmentMessage) => port.postMessage(message);

let handler: AnyHandler;
try {
  const mod = (await import(entryUrl)) as { handler?: AnyHandler };
  if (typeof mod.handler !== 'function') throw new Error(`${entryUrl} exports no handler`);
  handler = mod.handler;
  // measured from the host's spawn, as Lambda's Init Duration covers runtime start and the module's own init
  send({ type: 'ready', initMs: performance.timeOrigin + performance.now() - startedAt });
} catch (err) {
  send({ type: 'init-failed', error: serializeError(err) });
  process.exit(1);
}

port.on('message', (message: HostMessage) => {
  if (message.type !== 'invoke') return;
  const meta: InvocationMeta = message.meta;
  handler(message.event, lambdaContext(meta)).then(
    (value: unknown) => send({ type: 'result', ok: true, value }),
    (err: unknown) => send({ type: 'result', ok: false, error: serializeError(err) }),
  );
});
