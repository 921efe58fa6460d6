// Runs the real Lambda handlers in this process: loads each function's entry from the app model on first use
// and invokes it with a Lambda-like context, as the Lambda service would.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { functionById } from '../shared/app-model.ts';

// biome-ignore lint/suspicious/noExplicitAny: handlers are typed per function; the host is generic
type AnyHandler = (event: any, context: Context) => Promise<any>;

export interface InvokeStats {
  invocations: number;
  errors: number;
  totalMs: number;
  /** the longest invocation */
  maxMs: number;
}

/**
 * Faults to inject, as Lambda would show them: a crash before the handler ran, or after it did its work but before
 * its answer reached Step Functions (the side effect happened, the result is lost). Both surface as Lambda.Unknown.
 */
export interface LambdaFaults {
  /** `event` is the invocation's input (a task's carries its session_id) */
  crashBefore?(functionId: string, event?: unknown): boolean;
  crashAfter?(functionId: string, event?: unknown): boolean;
}

function lambdaCrash(functionId: string, when: string): Error {
  const err = new Error(`${functionId} crashed ${when} (injected fault)`);
  err.name = 'Lambda.Unknown';
  return err;
}

export class LambdaHost {
  private readonly loaded = new Map<string, Promise<AnyHandler>>();
  readonly stats = new Map<string, InvokeStats>();
  faults: LambdaFaults = {};

  constructor(private readonly projectRoot: string) {}

  private load(functionId: string): Promise<AnyHandler> {
    let handler = this.loaded.get(functionId);
    if (!handler) {
      const spec = functionById(functionId);
      const url = pathToFileURL(path.join(this.projectRoot, spec.entry)).href;
      handler = import(url).then((mod: { handler?: AnyHandler }) => {
        if (typeof mod.handler !== 'function') throw new Error(`${spec.entry} exports no handler`);
        return mod.handler;
      });
      this.loaded.set(functionId, handler);
    }
    return handler;
  }

  /** Load every listed function now, so the first request does not pay for module loading. */
  async preload(functionIds: string[]): Promise<void> {
    await Promise.all(functionIds.map((id) => this.load(id)));
  }

  async invoke<T = unknown>(functionId: string, event: unknown): Promise<T> {
    const handler = await this.load(functionId);
    const spec = functionById(functionId);
    const started = performance.now();
    const deadline = Date.now() + spec.timeoutSeconds * 1000;
    const context: Context = {
      callbackWaitsForEmptyEventLoop: false,
      functionName: functionId,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionId}`,
      memoryLimitInMB: String(spec.memoryMb),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${functionId}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    const stats = this.stats.get(functionId) ?? { invocations: 0, errors: 0, totalMs: 0, maxMs: 0 };
    this.stats.set(functionId, stats);
    stats.invocations += 1;
    try {
      if (this.faults.crashBefore?.(functionId, event)) throw lambdaCrash(functionId, 'before running');
      const result = (await handler(event, context)) as T;
      if (this.faults.crashAfter?.(functionId, event)) throw lambdaCrash(functionId, 'after its work, before answering');
      return result;
    } catch (err) {
      stats.errors += 1;
      throw err;
    } finally {
      const ms = performance.now() - started;
      stats.totalMs += ms;
      stats.maxMs = Math.max(stats.maxMs, ms);
    }
  }
}
