// The one middy stack every HTTP function uses, once around its routes: header normalisation, request ids (the
// server's, and the caller's beside it), Powertools logger, metrics and tracer, JSON-only body parsing with a size
// limit, the auth check, then @middy/http-router to the route; errors become answers through error-map.ts (each error
// carries its status), and server faults are counted for the ApiServerErrors alarm.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { HttpMethod } from '../app-model.ts';
import { NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../domain/errors.ts';
import { METRIC } from '../observability/metric-names.ts';
import { powertoolsMetricsSink } from '../observability/metrics-sink.ts';
import { logger } from '../observability/powertools.ts';
import { publishMetrics } from '../observability/publish-metrics.ts';
import { sanitizeEcho } from '../observability/redact.ts';
import { traceHandler } from '../observability/tracing.ts';
import { type AuthMode, assertAuthenticated, authMode } from './auth.ts';
import { errorAnswer } from './error-map.ts';
import { callerOf, clientRequestIdOf, type HttpRequest, type HttpResponse, requestIdOf } from './request.ts';
import { countUnhandled } from '../observability/unhandled-errors.ts';

export const MAX_BODY_BYTES = 64 * 1024;

type RouteHandler = (req: HttpRequest) => Promise<HttpResponse>;

/** One route of a function, as the app model names it (`GET /api/v1/sessions/{id}`). */
export interface Route {
  method: HttpMethod;
  path: string;
  handler: RouteHandler;
}

interface Internal extends Record<string, unknown> {
  requestId: string;
  clientRequestId?: string;
}

/** The API Gateway event, with the body the jsonBody middleware parsed (middy's body parsers keep theirs there too). */
interface Event extends APIGatewayProxyEventV2 {
  parsedBody?: unknown;
}
type Result = APIGatewayProxyStructuredResultV2;

function toRequest(event: Event, requestId: string, clientRequestId: string | undefined): HttpRequest {
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    routeKey: event.routeKey,
    pathParams: (event.pathParameters ?? {}) as Record<string, string>,
    query: (event.queryStringParameters ?? {}) as Record<string, string>,
    headers: (event.headers ?? {}) as Record<string, string>,
    body: event.parsedBody,
    requestId,
    ...(clientRequestId ? { clientRequestId } : {}),
    caller: callerOf(event),
    receivedAt: new Date(),
  };
}

function parseBody(event: Event): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`request body exceeds ${MAX_BODY_BYTES} bytes`, { limit_bytes: MAX_BODY_BYTES });
  }
  if (raw.trim() === '') return undefined;
  // a page on another site may POST text/plain or a form without asking the browser's permission: only JSON is read
  if (!isJson(event.headers?.['content-type'])) {
    throw new UnsupportedMediaTypeError('a request body must be JSON (Content-Type: application/json)');
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new ValidationError('request body is not valid JSON', {}, 'invalid_json');
  }
}

/** application/json, or any `+json` type, with or without parameters (charset) */
function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/json' || (type !== undefined && /^application\/[\w.-]+\+json$/.test(type));
}

/** Every 5xx is a server fault but 503 stale_inventory: the answer any client gets for an offer that just vanished. */
function countServerFault(result: Result | undefined): void {
  if (!result || (result.statusCode ?? 200) < 500) return;
  if (result.statusCode === 503 && errorTypeOf(result.body) === 'stale_inventory') return;
  powertoolsMetricsSink.add(METRIC.ApiServerFaults, 'Count', 1);
}

function errorTypeOf(body: string | undefined): unknown {
  try {
    return (JSON.parse(body ?? '') as { error_type?: unknown }).error_type;
  } catch {
    return undefined;
  }
}

function toResult(res: HttpResponse, requestId: string): Result {
  return {
    statusCode: res.statusCode,
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...res.headers },
    body: res.body === undefined ? '' : JSON.stringify(res.body),
  };
}

const requestContext = (): MiddlewareObj<Event, Result, Error, Context, Internal> => ({
  before: (request) => {
    const requestId = requestIdOf(request.event);
    const clientRequestId = clientRequestIdOf(request.event);
    request.internal.requestId = requestId;
    request.internal.clientRequestId = clientRequestId;
    logger.appendKeys({ request_id: requestId, client_request_id: clientRequestId, route: request.event.routeKey });
  },
  after: (request) => {
    countServerFault(request.response ?? undefined);
  },
  onError: (request) => {
    const requestId = request.internal.requestId || requestIdOf(request.event);
    const answer = errorAnswer(request.error, requestId, request.internal.clientRequestId ?? clientRequestIdOf(request.event));
    if (answer.statusCode === 500) countUnhandled();
    if (answer.internal) logger.error('request failed', { error: request.error as Error });
    else logger.info('request rejected', { status: answer.statusCode, error_type: answer.body['error_type'] });
    request.response = toResult({ statusCode: answer.statusCode, body: answer.body }, requestId);
    countServerFault(request.response);
  },
});

/** JSON bodies only, within MAX_BODY_BYTES: parsed before the route is picked, as the route would see it. */
const jsonBody = (): MiddlewareObj<Event, Result, Error, Context, Internal> => ({
  before: (request) => {
    request.event.parsedBody = parseBody(request.event);
  },
});

/** Defence in depth behind the authorizer (auth.ts): a protected route reached without a usable key is a 401. */
const authentication = (mode: AuthMode): MiddlewareObj<Event, Result, Error, Context, Internal> => ({
  before: (request) => {
    assertAuthenticated(request.event.routeKey, callerOf(request.event), mode);
  },
});

/** The answer for a method or path the function does not serve: the same JSON 404 as the $default route. */
function routeNotFound(method: string, path: string): NotFoundError {
  return new NotFoundError(`no route for ${sanitizeEcho(method, 16)} ${sanitizeEcho(path)}`);
}

function toLambda(route: RouteHandler) {
  return async (event: Event): Promise<Result> => {
    const requestId = requestIdOf(event);
    const res = await route(toRequest(event, requestId, clientRequestIdOf(event)));
    return toResult(res, requestId);
  };
}

/**
 * @middy/http-router picks the route by method and path (API Gateway v2: `requestContext.http`; the API has only its
 * $default stage and no base path mapping, so that path is the route's), so the function answers what API Gateway
 * routes to it; anything else is the $default route's 404, never a 500.
 */
function router(routes: readonly Route[]) {
  return httpRouterHandler<Event, Result>({
    routes: routes.map((r) => ({ method: r.method, path: r.path, handler: toLambda(r.handler) })),
    notFoundResponse: ({ method, path }) => {
      throw routeNotFound(method, path);
    },
  });
}

/**
 * Wrap a function's routes in the shared stack (a single handler serves every method and path). The result is an
 * API Gateway v2 Lambda handler.
 */
export function httpHandler(routes: readonly Route[] | RouteHandler) {
  // read at cold start: a function with a bad AUTH_MODE fails to start instead of answering 500s
  const mode = authMode();
  const dispatch = typeof routes === 'function' ? toLambda(routes) : router(routes);
  return middy<Event, Result, Error, Context, Internal>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(traceHandler())
    .use(publishMetrics())
    .use(httpHeaderNormalizer())
    .use(requestContext())
    .use(jsonBody())
    .use(authentication(mode))
    .handler((event, context) => dispatch(event, context) as Promise<Result>);
}

export function json(statusCode: number, body: unknown, headers?: Record<string, string>): HttpResponse {
  return { statusCode, body, headers };
}
