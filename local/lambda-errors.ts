// Errors as the Lambda service reports them. Step Functions routes on the error's name, so a handler's error must
// reach the caller with its name and message intact even when it crossed a thread boundary, and the service's own
// failures (crash, throttle, timeout, a dead environment) carry the names AWS gives them.

/** A handler error reduced to what survives structured clone: name, message, stack and its JSON-safe own fields. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, unknown>;
}

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(err)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    try {
      fields[key] = JSON.parse(JSON.stringify(value)) as unknown;
    } catch {
      // a field that is not data (a socket, a cycle) stays behind; the name and message are what callers route on
    }
  }
  return { name: err.name, message: err.message, stack: err.stack, fields };
}

export function deserializeError(s: SerializedError): Error {
  const err = new Error(s.message);
  Object.assign(err, s.fields);
  // an own property, so it wins over Error.prototype.name exactly as a subclass's `name` field would
  Object.defineProperty(err, 'name', { value: s.name, writable: true, enumerable: false, configurable: true });
  if (s.stack) err.stack = s.stack;
  return err;
}

function namedError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/** An injected crash, before the handler ran or after its work: both reach Step Functions as Lambda.Unknown. */
export function lambdaCrash(functionId: string, when: string): Error {
  return namedError('Lambda.Unknown', `${functionId} crashed ${when} (injected fault)`);
}

/** The function is at its reserved concurrency: a synchronous invoke is refused (Step Functions may retry it). */
export function throttled(functionId: string, limit: number): Error {
  return namedError('Lambda.TooManyRequestsException', `Rate Exceeded: ${functionId} is at its reserved concurrency of ${limit}`);
}

/** Lambda stops an invocation at the function's timeout and throws its environment away. */
export function timedOut(functionId: string, seconds: number): Error {
  return namedError('Sandbox.Timedout', `${functionId}: Task timed out after ${seconds.toFixed(2)} seconds`);
}

/** The environment's runtime died under an invocation (uncaught exception, exit, out of memory). */
export function runtimeExit(functionId: string, detail: string): Error {
  return namedError('Runtime.ExitError', `${functionId}: the execution environment exited (${detail})`);
}
