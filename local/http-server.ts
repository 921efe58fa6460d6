// The local stand-in for API Gateway (HTTP API, payload v2): matches the app model's routes, turns each request
// into the event API Gateway would send, invokes the real handler and writes its answer back.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { defaultRoute, type RouteSpec, routes } from '../shared/app-model.ts';
import { apiGatewayEvent } from './api-gateway-event.ts';
import type { LambdaHost } from './lambda-host.ts';
import { allowedHostNames, checkRequestOrigin } from './request-guard.ts';

/** API Gateway's own payload limit; our handlers apply a much smaller one. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;

interface CompiledRoute {
  spec: RouteSpec;
  pattern: RegExp;
  params: string[];
}

function compile(spec: RouteSpec): CompiledRoute {
  const params: string[] = [];
  const source = spec.path
    .split('/')
    .map((segment) => {
      const m = /^\{(\w+)\}$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(m[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { spec, pattern: new RegExp(`^${source}$`), params };
}

/** What API Gateway makes of a Lambda authorizer's answer: pass the context on, or answer for the route. */
export type AuthorizerDecision =
  | { allow: true; context: Record<string, unknown> }
  | { allow: false; status: 401 | 403 | 500; message: string };

export interface Authorizer {
  /** Decides on the event the route's integration would receive (before its authorizer context is attached). */
  authorize(event: APIGatewayProxyEventV2): Promise<AuthorizerDecision>;
}

interface HttpServerOptions {
  host: string;
  port: number;
  lambdas: LambdaHost;
  /** while this returns a message, every route but /health answers 503 {ready:false} */
  startingMessage: () => string | undefined;
  authorizer?: Authorizer;
}

export class LocalHttpServer {
  private readonly server: http.Server;
  private readonly compiled = routes.map(compile);
  private readonly hostNames: Set<string>;
  private port = 0;

  constructor(private readonly options: HttpServerOptions) {
    this.hostNames = allowedHostNames(options.host);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch(() => {
        // only reached when a handler throws instead of answering (API Gateway's answer then), never with details
        if (!res.headersSent) writeJson(res, 500, { message: 'Internal Server Error' });
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.port = port;
    return `http://${this.options.host}:${port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private match(method: string, path: string) {
    for (const route of this.compiled) {
      if (route.spec.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const pathParameters: Record<string, string> = {};
      route.params.forEach((name, i) => {
        pathParameters[name] = safeDecode(m[i + 1]!);
      });
      return { spec: route.spec, routeKey: `${method} ${route.spec.path}`, pathParameters };
    }
    return undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // before anything else, the body included: a refused page learns nothing and starts nothing
    const refused = checkRequestOrigin(req.headers as Record<string, string | undefined>, this.hostNames, this.port);
    if (refused) {
      req.resume();
      writeJson(res, refused.status, refused.body);
      return;
    }
    const url = parseUrl(req.url);
    const method = (req.method ?? 'GET').toUpperCase();
    if (!url) {
      writeJson(res, 400, { message: 'Bad Request' });
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      writeJson(res, 413, { message: 'Request Entity Too Large', error_type: 'payload_too_large' });
      return;
    }

    const starting = this.options.startingMessage();
    if (starting !== undefined && url.pathname !== '/health') {
      writeJson(res, 503, { ready: false, message: starting, error: starting, error_type: 'not_ready' });
      return;
    }

    const matched = this.match(method, url.pathname);
    const functionId = matched?.spec.functionId ?? defaultRoute.functionId;
    const routeKey = matched?.routeKey ?? '$default';
    const headers = normalizeHeaders(req.headers);

    const event = apiGatewayEvent({
      method,
      url,
      headers,
      body,
      routeKey,
      pathParameters: matched?.pathParameters,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    });
    if (matched?.spec.auth && this.options.authorizer) {
      const decision = await this.options.authorizer.authorize(event);
      if (!decision.allow) {
        // API Gateway's own fixed answer; the integration is never invoked
        writeJson(res, decision.status, { message: decision.message });
        return;
      }
      (event.requestContext as unknown as { authorizer: unknown }).authorizer = { lambda: decision.context };
    }
    const result = await this.options.lambdas.invoke<APIGatewayProxyStructuredResultV2 | string>(functionId, event);
    writeResult(res, result);
  }
}

function parseUrl(raw: string | undefined): URL | undefined {
  try {
    const target = raw ?? '/';
    // origin-form keeps its path as sent (a base URL would read `//x` as a host)
    return target.startsWith('/') ? new URL(`http://local${target}`) : new URL(target);
  } catch {
    return undefined;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function normalizeHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

async function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > GATEWAY_MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function writeResult(res: http.ServerResponse, result: APIGatewayProxyStructuredResultV2 | string): void {
  // API Gateway's rule for payload v2: anything that is not a structured result is a 200 JSON body
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    writeJson(res, 200, result);
    return;
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  const body = result.body ?? '';
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

function writeJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
