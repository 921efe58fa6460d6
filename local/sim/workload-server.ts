// The HTTP side of a simulated entrypoint instance: what a vLLM or TGI server answers on its published port
// (`GET /health`, `GET /v1/models`), on loopback, once the scenario says the model has loaded — or an unhealthy
// 503 (still loading), or nothing at all.
import http from 'node:http';
import { type LoopbackListener, listenOnLoopback } from './loopback-listener.ts';

/** off — nothing listens; ok — health and models answer 200; unhealthy — the server answers 503 to everything */
export type WorkloadServerMode = 'off' | 'ok' | 'unhealthy';

interface SimWorkloadServerOptions {
  /** the loopback port to listen on; another one is taken (and reported through onPort) if it is busy */
  port: number;
  /** the model the server says it serves */
  model: string;
  onPort: (port: number) => void;
}

export class SimWorkloadServer {
  private listener?: LoopbackListener;
  private mode: WorkloadServerMode = 'off';
  private queue: Promise<void> = Promise.resolve();
  port: number;

  constructor(private readonly options: SimWorkloadServerOptions) {
    this.port = options.port;
  }

  get listening(): boolean {
    return this.listener !== undefined;
  }

  setMode(mode: WorkloadServerMode): Promise<void> {
    this.queue = this.queue.then(() => this.apply(mode)).catch(() => undefined);
    return this.queue;
  }

  close(): Promise<void> {
    return this.setMode('off');
  }

  private async apply(mode: WorkloadServerMode): Promise<void> {
    if (mode === this.mode) return;
    this.mode = mode;
    if (mode === 'off') await this.stop();
    else if (!this.listener) await this.start();
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (this.mode === 'unhealthy') send(503, { error: 'model is still loading' });
    else if (req.method !== 'GET') send(405, { error: 'method not allowed' });
    else if (path === '/health') send(200, { status: 'ok' });
    else if (path === '/v1/models') {
      send(200, {
        object: 'list',
        data: [{ id: this.options.model, object: 'model', created: 1_767_225_600, owned_by: 'gpu-shopper-sim' }],
      });
    } else send(404, { error: 'not found' });
  }

  private async start(): Promise<void> {
    const server = http.createServer((req, res) => this.answer(req, res));
    server.keepAliveTimeout = 1000;
    const listener = await listenOnLoopback(server, this.port);
    if (listener.port !== this.port) {
      this.port = listener.port;
      this.options.onPort(this.port);
    }
    this.listener = listener;
  }

  private async stop(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await listener?.close();
  }
}
