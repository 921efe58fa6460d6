// Runs the real Lambda handlers as the Lambda service would. By default (`threads`) every function has execution
// environments: a concurrent invocation takes an idle one or starts a new worker thread with its own module
// instance (a measured cold start), up to the function's reserved concurrency or a local cap; idle ones are reaped.
// `process` (LOCAL_LAMBDA_ENVIRONMENTS=process) loads each entry once in this process and runs every invocation
// there: faster to start, and in-process instrumentation (the benchmarks' accounting) sees the handlers' calls.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type FunctionSpec, functions as appFunctions } from '../shared/app-model.ts';
import { EnvironmentPool, type EnvironmentStats } from './environment-pool.ts';
import { FunctionBundles } from './function-bundles.ts';
import { type InvocationMeta, lambdaContext } from './lambda-context.ts';
import { lambdaCrash } from './lambda-errors.ts';
import { ThreadEnvironment } from './thread-environment.ts';

// biome-ignore lint/suspicious/noExplicitAny: handlers are typed per function; the host is generic
type AnyHandler = (event: any, context: Context) => Promise<any>;

export type EnvironmentMode = 'process' | 'threads';

interface InvokeStats {
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

export interface InvokeOptions {
  /** `Event`: asynchronous (EventBridge, S3…): at the reserved concurrency it waits instead of being refused */
  invocationType?: 'RequestResponse' | 'Event';
}

export interface LambdaHostOptions {
  /** default: LOCAL_LAMBDA_ENVIRONMENTS, else threads */
  mode?: EnvironmentMode;
  /** an idle environment is reaped after this long (default: LOCAL_LAMBDA_IDLE_SECONDS, else 60) */
  idleSeconds?: number;
  /** most environments per function without reserved concurrency (default: LOCAL_LAMBDA_MAX_ENVIRONMENTS, else 2) */
  maxEnvironments?: number;
  /** start one environment per function in preload() (default: LOCAL_LAMBDA_PRELOAD=1, else off) */
  preloadEnvironments?: boolean;
  /** the functions it can run (default: the app model's; tests add their own) */
  functions?: FunctionSpec[];
  /** receives what environments write to stdout and stderr (default: this process's stdout and stderr) */
  output?: (text: string) => void;
}

function environmentMode(given = process.env['LOCAL_LAMBDA_ENVIRONMENTS']): EnvironmentMode {
  const mode = given?.trim() || 'threads';
  if (mode !== 'process' && mode !== 'threads') throw new Error(`LOCAL_LAMBDA_ENVIRONMENTS must be process or threads, got "${mode}"`);
  return mode;
}

function positiveEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a number > 0, got "${raw}"`);
  return value;
}

export class LambdaHost {
  private readonly loaded = new Map<string, Promise<AnyHandler>>();
  private readonly pools = new Map<string, EnvironmentPool>();
  private readonly specs: Map<string, FunctionSpec>;
  private readonly idleMs: number;
  private readonly maxEnvironments: number;
  private readonly preloadEnvironments: boolean;
  private readonly output?: (text: string) => void;
  private readonly bundles: FunctionBundles;
  readonly mode: EnvironmentMode;
  readonly stats = new Map<string, InvokeStats>();
  faults: LambdaFaults = {};

  constructor(
    private readonly projectRoot: string,
    options: LambdaHostOptions = {},
  ) {
    this.mode = options.mode ?? environmentMode();
    this.idleMs = (options.idleSeconds ?? positiveEnv('LOCAL_LAMBDA_IDLE_SECONDS', 60)) * 1000;
    this.maxEnvironments = Math.floor(options.maxEnvironments ?? positiveEnv('LOCAL_LAMBDA_MAX_ENVIRONMENTS', 2));
    if (!(this.maxEnvironments >= 1)) throw new Error(`LOCAL_LAMBDA_MAX_ENVIRONMENTS must be a number ≥ 1, got ${options.maxEnvironments}`);
    this.preloadEnvironments = options.preloadEnvironments ?? process.env['LOCAL_LAMBDA_PRELOAD'] === '1';
    this.output = options.output;
    this.specs = new Map((options.functions ?? appFunctions).map((f) => [f.id, f]));
    this.bundles = new FunctionBundles(projectRoot, [...this.specs.values()]);
  }

  private spec(functionId: string): FunctionSpec {
    const spec = this.specs.get(functionId);
    if (!spec) throw new Error(`app model: no function ${functionId}`);
    return spec;
  }

  private entryUrl(spec: FunctionSpec): string {
    return pathToFileURL(path.join(this.projectRoot, spec.entry)).href;
  }

  private load(functionId: string): Promise<AnyHandler> {
    let handler = this.loaded.get(functionId);
    if (!handler) {
      const spec = this.spec(functionId);
      handler = import(this.entryUrl(spec)).then((mod: { handler?: AnyHandler }) => {
        if (typeof mod.handler !== 'function') throw new Error(`${spec.entry} exports no handler`);
        return mod.handler;
      });
      this.loaded.set(functionId, handler);
    }
    return handler;
  }

  private pool(functionId: string): EnvironmentPool {
    let pool = this.pools.get(functionId);
    if (!pool) {
      const spec = this.spec(functionId);
      pool = new EnvironmentPool({
        functionId,
        limit: spec.reservedConcurrency ?? this.maxEnvironments,
        reserved: spec.reservedConcurrency !== undefined,
        idleMs: this.idleMs,
        // the environment is read when it starts: variables set after the runtime started reach new environments
        start: async () =>
          new ThreadEnvironment({
            functionId,
            workerUrl: await this.bundles.workerUrl(),
            entryUrl: await this.bundles.entryUrl(functionId),
            timeoutSeconds: spec.timeoutSeconds,
            env: lambdaEnvironment(spec),
            output: this.output,
          }),
      });
      this.pools.set(functionId, pool);
    }
    return pool;
  }

  /**
   * Process mode: load every listed function now, so the first request does not pay for module loading.
   * Threads mode: build the bundles (the "deployment"); start one environment per function only when asked
   * (LOCAL_LAMBDA_PRELOAD=1), otherwise the first invocation of each function is a cold start, as after a deployment.
   */
  async preload(functionIds: string[]): Promise<void> {
    if (this.mode === 'process') {
      await Promise.all(functionIds.map((id) => this.load(id)));
      return;
    }
    await this.bundles.build();
    if (this.preloadEnvironments) await Promise.all(functionIds.map((id) => this.pool(id).prewarm()));
  }

  /** Per function with environments: started, reaped, concurrency, throttles, cold starts (threads mode). */
  environmentStats(): Record<string, EnvironmentStats> {
    return Object.fromEntries([...this.pools].map(([id, pool]) => [id, pool.stats()]));
  }

  async invoke<T = unknown>(functionId: string, event: unknown, options: InvokeOptions = {}): Promise<T> {
    const spec = this.spec(functionId);
    const started = performance.now();
    const meta: InvocationMeta = {
      functionId,
      memoryMb: spec.memoryMb,
      awsRequestId: randomUUID(),
      deadline: Date.now() + spec.timeoutSeconds * 1000,
    };
    const stats = this.stats.get(functionId) ?? { invocations: 0, errors: 0, totalMs: 0, maxMs: 0 };
    this.stats.set(functionId, stats);
    stats.invocations += 1;
    try {
      if (this.faults.crashBefore?.(functionId, event)) throw lambdaCrash(functionId, 'before running');
      const result =
        this.mode === 'process'
          ? ((await (await this.load(functionId))(event, lambdaContext(meta))) as T)
          : ((await this.pool(functionId).invoke(meta, event, options.invocationType === 'Event')) as T);
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

  /** End every environment (the runtime is stopping). */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
    this.bundles.dispose();
  }
}

/** The process's variables plus the ones Lambda sets in every environment of this function. */
function lambdaEnvironment(spec: FunctionSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env['AWS_LAMBDA_FUNCTION_NAME'] = spec.id;
  env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'] = String(spec.memoryMb);
  env['AWS_LAMBDA_FUNCTION_VERSION'] = '$LATEST';
  return env;
}
