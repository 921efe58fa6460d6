// The execution environments of one function, as the Lambda service keeps them: an invocation takes an idle
// environment (the most recently used, warm) or starts a new one (a measured cold start); at most `limit` run at
// once; an environment idle for `idleMs` is reaped. At a reserved concurrency a synchronous invoke is refused with
// TooManyRequestsException, as Lambda does; an asynchronous one (EventBridge) waits, as Lambda's event queue does.
// The local cap on functions without reserved concurrency only protects this machine, so it queues and never throttles.
import type { InvocationMeta } from './lambda-context.ts';
import { throttled } from './lambda-errors.ts';
import type { ThreadEnvironment } from './thread-environment.ts';

interface PoolOptions {
  functionId: string;
  /** most invocations running at once */
  limit: number;
  /** true when the limit is the function's reserved concurrency (a limit AWS enforces), not the local cap */
  reserved: boolean;
  idleMs: number;
  start: () => Promise<ThreadEnvironment>;
}

export interface EnvironmentStats {
  limit: number;
  reserved: boolean;
  /** environments started (each one a cold start) */
  started: number;
  /** idle environments ended by the reaper */
  reaped: number;
  /** environments ended by a timeout, a crash or a failed init */
  lost: number;
  /** environments alive now (busy or idle) */
  alive: number;
  /** invocations running now, and the most at once */
  concurrent: number;
  peak_concurrent: number;
  /** synchronous invocations refused at the reserved concurrency */
  throttles: number;
  /** invocations that waited for a free slot (asynchronous ones at the reserved concurrency, any at the local cap) */
  queued: number;
  cold_start_ms: { count: number; p50: number | null; p95: number | null; max: number | null };
}

/** Cold starts kept for the percentiles; a long run keeps its most recent ones. */
const KEEP_COLD_STARTS = 2000;

export class EnvironmentPool {
  private readonly idle: ThreadEnvironment[] = [];
  private readonly all = new Set<ThreadEnvironment>();
  private readonly waiting: (() => void)[] = [];
  private readonly coldStarts: number[] = [];
  private readonly reaper: NodeJS.Timeout;
  private inFlight = 0;
  private counts = { started: 0, reaped: 0, lost: 0, peak: 0, throttles: 0, queued: 0 };

  constructor(private readonly options: PoolOptions) {
    const every = Math.max(50, Math.min(options.idleMs / 4, 5000));
    this.reaper = setInterval(() => this.reap(), every);
    this.reaper.unref();
  }

  async invoke(meta: InvocationMeta, event: unknown, queueWhenThrottled: boolean): Promise<unknown> {
    await this.acquire(queueWhenThrottled);
    try {
      const env = await this.take();
      try {
        return await env.invoke(meta, event);
      } finally {
        this.giveBack(env);
      }
    } finally {
      this.release();
    }
  }

  /** Start one environment now and keep it idle (a provisioned-concurrency-like warm start at boot). */
  async prewarm(): Promise<void> {
    const env = await this.startEnvironment();
    this.giveBack(env);
  }

  stats(): EnvironmentStats {
    const sorted = [...this.coldStarts].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!) : null);
    return {
      limit: this.options.limit,
      reserved: this.options.reserved,
      started: this.counts.started,
      reaped: this.counts.reaped,
      lost: this.counts.lost,
      alive: this.all.size,
      concurrent: this.inFlight,
      peak_concurrent: this.counts.peak,
      throttles: this.counts.throttles,
      queued: this.counts.queued,
      cold_start_ms: { count: this.counts.started, p50: at(0.5), p95: at(0.95), max: sorted.length ? round(sorted.at(-1)!) : null },
    };
  }

  async close(): Promise<void> {
    clearInterval(this.reaper);
    const envs = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(envs.map((e) => e.terminate()));
  }

  private async acquire(queueWhenThrottled: boolean): Promise<void> {
    if (this.inFlight < this.options.limit) {
      this.inFlight += 1;
    } else {
      if (this.options.reserved && !queueWhenThrottled) {
        this.counts.throttles += 1;
        throw throttled(this.options.functionId, this.options.limit);
      }
      this.counts.queued += 1;
      // the slot is handed over by release(): inFlight stays the same
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.counts.peak = Math.max(this.counts.peak, this.inFlight);
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight -= 1;
  }

  private async take(): Promise<ThreadEnvironment> {
    for (let env = this.idle.pop(); env; env = this.idle.pop()) {
      if (env.alive) return env;
      this.all.delete(env);
    }
    return this.startEnvironment();
  }

  private async startEnvironment(): Promise<ThreadEnvironment> {
    const env = await this.options.start();
    this.all.add(env);
    this.counts.started += 1;
    try {
      const ms = await env.ready;
      this.coldStarts.push(ms);
      if (this.coldStarts.length > KEEP_COLD_STARTS) this.coldStarts.shift();
      return env;
    } catch (err) {
      // Lambda reports the init error to this invocation and tries a fresh init on the next one
      this.all.delete(env);
      this.counts.lost += 1;
      await env.terminate();
      throw err;
    }
  }

  private giveBack(env: ThreadEnvironment): void {
    if (!this.all.has(env)) return; // closed meanwhile
    if (env.alive) {
      this.idle.push(env);
      return;
    }
    this.all.delete(env);
    this.counts.lost += 1;
  }

  private reap(): void {
    const cutoff = Date.now() - this.options.idleMs;
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const env = this.idle[i]!;
      if (env.alive && env.lastUsed > cutoff) continue;
      this.idle.splice(i, 1);
      this.all.delete(env);
      if (env.alive) {
        this.counts.reaped += 1;
        void env.terminate();
      } else this.counts.lost += 1; // died while idle (an error thrown after its answer)
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
