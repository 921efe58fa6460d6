// An HTTP client on its own thread, so latencies are timed by an event loop that the runtime under test (handlers,
// simulated marketplaces, local Step Functions, all on the main thread) cannot stall. Used for every timed request.
import { Worker } from 'node:worker_threads';

export interface Response<T = unknown> {
  status: number;
  body: T;
  ms: number;
}

/** One request of a load run: when it started (epoch ms), how long it took, its status (0: network error). */
interface Sample {
  at: number;
  ms: number;
  status: number;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const now = () => performance.timeOrigin + performance.now();
let stopped = true;
parentPort.on('message', async (msg) => {
  if (msg.type === 'request') {
    const started = performance.now();
    try {
      const res = await fetch(msg.url, { method: msg.method, headers: msg.headers, body: msg.body });
      const text = await res.text();
      parentPort.postMessage({ id: msg.id, status: res.status, text, ms: performance.now() - started });
    } catch (err) {
      parentPort.postMessage({ id: msg.id, error: String(err && err.message || err) });
    }
  } else if (msg.type === 'load') {
    stopped = false;
    const samples = [];
    const loop = async () => {
      while (!stopped) {
        const at = now();
        const started = performance.now();
        let status = 0;
        try {
          const res = await fetch(msg.url);
          await res.arrayBuffer();
          status = res.status;
        } catch {}
        samples.push([at, performance.now() - started, status]);
      }
    };
    await Promise.all(Array.from({ length: msg.concurrency }, loop));
    parentPort.postMessage({ id: msg.id, samples });
  } else if (msg.type === 'stop') {
    stopped = true;
  }
});
`;

export class HttpWorker {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly pending = new Map<number, (msg: Record<string, unknown>) => void>();
  private nextId = 1;
  /** requests made through `request` (load runs not included) */
  requests = 0;

  constructor(private readonly baseUrl: string) {
    this.worker.on('message', (msg: Record<string, unknown>) => {
      const resolve = this.pending.get(msg['id'] as number);
      this.pending.delete(msg['id'] as number);
      resolve?.(msg);
    });
    this.worker.unref();
  }

  private call(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ ...message, id });
    });
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response<T>> {
    this.requests += 1;
    const msg = await this.call({
      type: 'request',
      url: `${this.baseUrl}${path}`,
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (msg['error']) throw new Error(`${method} ${path}: ${String(msg['error'])}`);
    const text = String(msg['text'] ?? '');
    return { status: msg['status'] as number, body: (text ? JSON.parse(text) : {}) as T, ms: msg['ms'] as number };
  }

  /** GETs `path` back to back from `concurrency` connections until `stop()`; resolves with every sample. */
  load(path: string, concurrency: number): Promise<Sample[]> {
    return this.call({ type: 'load', url: `${this.baseUrl}${path}`, concurrency }).then((msg) =>
      (msg['samples'] as [number, number, number][]).map(([at, ms, status]) => ({ at, ms, status })),
    );
  }

  stop(): void {
    this.worker.postMessage({ type: 'stop' });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
