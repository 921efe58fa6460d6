// The one middy stack every HTTP route uses: header normalisation, request ids (the server's, and the caller's
// beside it), Powertools logger, metrics and tracer, JSON-only body parsing with a size limit, error mapping through
// the one table in error-map.ts, and server faults counted for the ApiServerErrors alarm.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../domain/errors.ts';
import { METRIC } from '../observability/metric-names.ts';
import { powertoolsMetricsSink } from '../observability/metrics-sink.ts';
import { logger } from '../observability/powertools.ts';
import { publishMetrics } from '../observability/publish-metrics.ts';
import { traceHandler } from '../observability/tracing.ts';
import { assertAuthenticated, authMode } from './auth.ts';
import { errorAnswer } from './error-map.ts';
import { callerOf, clientRequestIdOf, type HttpRequest, type HttpResponse, requestIdOf } from './request.ts';
import { countUnhandled } from '../observability/unhandled-errors.ts';

export const MAX_BODY_BYTES = 64 * 1024;

export type RouteHandler = (req: HttpRequest) => Promise<HttpResponse>;

interface Internal extends Record<string, unknown> {
  requestId: string;
  clientRequestId?: string;
}

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

function toRequest(event: Event, requestId: string, clientRequestId: string | undefined): HttpRequest {
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    routeKey: event.routeKey,
    pathParams: (event.pathParameters ?? {}) as Record<string, string>,
    query: (event.queryStringParameters ?? {}) as Record<string, string>,
    headers: (event.headers ?? {}) as Record<string, string>,
    body: parseBody(event),
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

/** Wrap a route handler in the shared stack. The result is an API Gateway v2 Lambda handler. */
export function httpHandler(route: RouteHandler) {
  // read at cold start: a function with a bad AUTH_MODE fails to start instead of answering 500s
  const mode = authMode();
  return middy<Event, Result, Error, Context, Internal>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(traceHandler())
    .use(publishMetrics())
    .use(httpHeaderNormalizer())
    .use(requestContext())
    .handler(async (event, _context, { signal: _signal }) => {
      const requestId = requestIdOf(event);
      const req = toRequest(event, requestId, clientRequestIdOf(event));
      assertAuthenticated(req.routeKey, req.caller, mode);
      const res = await route(req);
      return toResult(res, requestId);
    });
}

export function json(statusCode: number, body: unknown, headers?: Record<string, string>): HttpResponse {
  return { statusCode, body, headers };
}
