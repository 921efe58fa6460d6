// Every Lambda invocation of the local runtime, recorded as AWS would bill it (one request, its wall time), and
// an async scope naming the function that is running, so DynamoDB requests and log lines can be attributed to it.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { InvokeOptions, LambdaHost } from '../../local/lambda-host.ts';

interface InvocationRecord {
  functionId: string;
  /** when it started (epoch ms) */
  at: number;
  ms: number;
  ok: boolean;
  /** state-machine tasks carry the session id in their input */
  sessionId?: string;
}

const scope = new AsyncLocalStorage<string>();

/** The app-model id of the function whose invocation is running here, or `runtime` outside any. */
export function currentFunction(): string {
  return scope.getStore() ?? 'runtime';
}

export class InvocationLog {
  readonly records: InvocationRecord[] = [];

  /** Wraps the host's `invoke`, which the HTTP server, the scheduler and Step Functions all call. */
  constructor(lambdas: LambdaHost) {
    const invoke = lambdas.invoke.bind(lambdas);
    lambdas.invoke = (<T>(functionId: string, event: unknown, options?: InvokeOptions): Promise<T> => {
      const at = Date.now();
      const started = performance.now();
      const sessionId = (event as { session_id?: unknown } | null)?.session_id;
      const record = (ok: boolean) =>
        this.records.push({
          functionId,
          at,
          ms: performance.now() - started,
          ok,
          ...(typeof sessionId === 'string' ? { sessionId } : {}),
        });
      return scope.run(functionId, () =>
        invoke<T>(functionId, event, options).then(
          (result) => {
            record(true);
            return result;
          },
          (err: unknown) => {
            record(false);
            throw err;
          },
        ),
      );
    }) as LambdaHost['invoke'];
  }

  /** Invocations and billed milliseconds per function, over the records from `from` on. */
  byFunction(from = 0, filter: (r: InvocationRecord) => boolean = () => true): Map<string, { invocations: number; ms: number }> {
    const out = new Map<string, { invocations: number; ms: number }>();
    for (const r of this.records.slice(from)) {
      if (!filter(r)) continue;
      const entry = out.get(r.functionId) ?? { invocations: 0, ms: 0 };
      entry.invocations += 1;
      entry.ms += r.ms;
      out.set(r.functionId, entry);
    }
    return out;
  }
}
