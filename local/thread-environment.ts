// One execution environment of one function, seen from the host: a worker thread with its own module instance.
// It runs one invocation at a time; a timeout or a crash ends it for good (Lambda throws such a sandbox away).
import { Worker } from 'node:worker_threads';
import type { EnvironmentMessage, HostMessage } from './environment-protocol.ts';
import type { InvocationMeta } from './lambda-context.ts';
import { deserializeError, runtimeExit, timedOut } from './lambda-errors.ts';

interface EnvironmentSpec {
  functionId: string;
  /** the bundled environment code (function-bundles.ts) and the function's bundle */
  workerUrl: string;
  entryUrl: string;
  timeoutSeconds: number;
  /** the variables the function sees: the process's at the moment the environment starts, plus Lambda's own */
  env: Record<string, string>;
  /** where the environment's stdout and stderr go (default: this process's own, as CloudWatch Logs gets them) */
  output?: (text: string) => void;
}

export class ThreadEnvironment {
  private readonly worker: Worker;
  private pending?: { resolve: (value: unknown) => void; reject: (err: Error) => void; timer: NodeJS.Timeout };
  private dead = false;
  /** resolves with the cold start in ms once the module is loaded; rejects with the init error */
  readonly ready: Promise<number>;
  lastUsed = Date.now();

  constructor(private readonly spec: EnvironmentSpec) {
    const startedAt = performance.timeOrigin + performance.now();
    const captured = spec.output !== undefined;
    this.worker = new Worker(new URL(spec.workerUrl), {
      workerData: { entryUrl: spec.entryUrl, startedAt },
      env: spec.env,
      stdout: captured,
      stderr: captured,
    });
    if (spec.output) {
      const output = spec.output;
      this.worker.stdout.on('data', (d: Buffer) => output(d.toString('utf8')));
      this.worker.stderr.on('data', (d: Buffer) => output(d.toString('utf8')));
    }
    this.ready = new Promise<number>((resolve, reject) => {
      const onMessage = (m: EnvironmentMessage) => {
        if (m.type === 'ready') resolve(m.initMs);
        else if (m.type === 'init-failed') reject(deserializeError(m.error));
        else return;
        this.worker.off('message', onMessage);
      };
      this.worker.on('message', onMessage);
      this.worker.once('exit', (code) => reject(runtimeExit(spec.functionId, `exit code ${code} during init`)));
    });
    this.ready.catch(() => undefined);
    this.worker.on('message', (m: EnvironmentMessage) => {
      if (m.type !== 'result' || !this.pending) return;
      const { resolve, reject, timer } = this.pending;
      this.pending = undefined;
      clearTimeout(timer);
      if (m.ok) resolve(m.value);
      else reject(deserializeError(m.error));
    });
    this.worker.on('error', (err) => this.die(runtimeExit(spec.functionId, err.message)));
    this.worker.on('exit', (code) => this.die(runtimeExit(spec.functionId, `exit code ${code}`)));
  }

  get alive(): boolean {
    return !this.dead;
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  invoke(given: InvocationMeta, event: unknown): Promise<unknown> {
    if (this.dead || this.pending) return Promise.reject(runtimeExit(this.spec.functionId, 'environment not available'));
    // the function's timeout runs from here: a cold start (init) or a wait in the queue does not count against it
    const meta: InvocationMeta = { ...given, deadline: Date.now() + this.spec.timeoutSeconds * 1000 };
    this.worker.ref();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(timedOut(this.spec.functionId, this.spec.timeoutSeconds));
        void this.terminate();
      }, Math.max(0, meta.deadline - Date.now()));
      this.pending = { resolve, reject, timer };
      const message: HostMessage = { type: 'invoke', meta, event };
      try {
        this.worker.postMessage(message);
      } catch (err) {
        // an event that is not structured-clone data: Lambda would refuse a payload that is not JSON, too
        clearTimeout(timer);
        this.pending = undefined;
        reject(err as Error);
      }
    }).finally(() => {
      this.lastUsed = Date.now();
      // an idle environment must not keep the process alive
      if (!this.dead) this.worker.unref();
    });
  }

  async terminate(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
  }

  private die(err: Error): void {
    this.dead = true;
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(err);
    }
  }
}
