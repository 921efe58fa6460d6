// A tiny local HTTP server that answers with recorded provider bodies (test/fixtures/providers/) and records
// every request, so the adapters can be run against each documented variant of the real APIs.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/providers');

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface Answer {
  status?: number;
  /** a fixture file under test/fixtures/providers/, e.g. "vastai/create-ok.json" */
  fixture?: string;
  body?: unknown;
  contentType?: string;
  /** wait this long before answering */
  delayMs?: number;
}

export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export function fixtureJson<T = unknown>(name: string): T {
  return JSON.parse(fixture(name)) as T;
}

export class ReplayServer {
  readonly requests: Recorded[] = [];
  private readonly answers = new Map<string, Answer[]>();
  private readonly server: http.Server;
  url = '';

  constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://replay');
        const raw = Buffer.concat(chunks).toString('utf8');
        this.requests.push({
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: raw ? JSON.parse(raw) : undefined,
        });
        const queue = this.answers.get(`${req.method} ${url.pathname}`);
        // the last answer of a sequence repeats
        const answer = queue && queue.length > 1 ? queue.shift()! : queue?.[0];
        const send = () => {
          if (!answer) {
            res
              .writeHead(599, { 'content-type': 'text/plain' })
              .end(`no answer recorded for ${req.method} ${url.pathname}`);
            return;
          }
          const body =
            answer.fixture !== undefined
              ? fixture(answer.fixture)
              : typeof answer.body === 'string'
                ? answer.body
                : JSON.stringify(answer.body ?? {});
          const type =
            answer.contentType ??
            (answer.fixture?.endsWith('.html')
              ? 'text/html'
              : answer.fixture?.endsWith('.txt')
                ? 'text/plain'
                : 'application/json');
          res.writeHead(answer.status ?? 200, { 'content-type': type }).end(body);
        };
        if (answer?.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
  }

  /** Answers `METHOD /path` with these answers in turn (the last one repeats). */
  on(route: string, ...answers: Answer[]): this {
    this.answers.set(route, answers);
    return this;
  }

  calls(route: string): Recorded[] {
    const [method, p] = route.split(' ');
    return this.requests.filter((r) => r.method === method && r.path === p);
  }

  reset(): void {
    this.answers.clear();
    this.requests.length = 0;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** No waiting in tests: the limiter and backoff sleeps resolve at once (their lengths are recorded). */
export function instantSleep(record: number[] = []) {
  return async (ms: number) => {
    record.push(ms);
  };
}
