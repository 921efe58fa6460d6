// A small HTTP toolkit for the simulated marketplaces: routing, JSON and text answers, body parsing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimRequest {
  method: string;
  /** without a trailing slash */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** parsed JSON body, or undefined when there is none */
  body: unknown;
}

export interface Reply {
  status: number;
  body: string;
  contentType: string;
}

export function json(status: number, body: unknown): Reply {
  return { status, body: JSON.stringify(body), contentType: 'application/json' };
}

export function text(status: number, body: string, contentType = 'text/plain; charset=utf-8'): Reply {
  return { status, body, contentType };
}

export const html502 = (): Reply =>
  text(
    502,
    '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
    'text/html',
  );

type Handler = (req: SimRequest, params: string[]) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

export function route(method: string, pattern: RegExp, handler: Handler): Route {
  return { method, pattern, handler };
}

interface SimHttpServerOptions {
  host?: string;
  port?: number;
  /** strips a mount prefix (e.g. /api/v0) before routing; returns undefined to answer 404 */
  normalize: (path: string) => string | undefined;
  routes: Route[];
  /** runs before routing (auth, injected faults); an answer here ends the request */
  before?: (req: SimRequest) => Reply | undefined | Promise<Reply | undefined>;
  notFound: (req: SimRequest) => Reply;
  maxBodyBytes?: number;
}

export class SimHttpServer {
  private readonly server: http.Server;
  url = '';

  constructor(private readonly options: SimHttpServerOptions) {
    this.server = http.createServer((req, res) => {
      this.handle(req)
        .catch((err: unknown) => json(500, { error: 'simulator error', detail: (err as Error).message }))
        .then((reply) => {
          res.writeHead(reply.status, {
            'content-type': reply.contentType,
            'content-length': Buffer.byteLength(reply.body),
          });
          res.end(reply.body);
        });
    });
    this.server.keepAliveTimeout = 5000;
  }

  async listen(): Promise<string> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://${host}:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(raw: http.IncomingMessage): Promise<Reply> {
    const url = new URL(raw.url ?? '/', 'http://sim');
    const rawBody = await readBody(raw, this.options.maxBodyBytes ?? 1024 * 1024);
    if (rawBody === undefined) return json(413, { error: 'request body too large' });
    let body: unknown;
    if (rawBody.trim() !== '') {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return json(400, { success: false, error: 'invalid_args', msg: 'request body is not valid JSON' });
      }
    }
    const path = this.options.normalize(url.pathname.replace(/\/+$/, '') || '/');
    const req: SimRequest = {
      method: raw.method ?? 'GET',
      path: path ?? url.pathname,
      query: url.searchParams,
      headers: raw.headers,
      body,
    };
    if (path === undefined) return this.options.notFound(req);
    const early = await this.options.before?.(req);
    if (early) return early;
    for (const r of this.options.routes) {
      if (r.method !== req.method) continue;
      const m = r.pattern.exec(path);
      if (m)
        return r.handler(
          req,
          m.slice(1).map((p) => decodeURIComponent(p)),
        );
    }
    return this.options.notFound(req);
  }
}

function readBody(req: http.IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The bearer token (or undefined). */
export function bearer(req: SimRequest): string | undefined {
  const header = req.headers.authorization;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
