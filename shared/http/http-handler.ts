// The one middy stack every HTTP route uses: header normalisation, request id, Powertools logger and metrics,
// JSON body parsing with a size limit, and error mapping through the one table in error-map.ts.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { PayloadTooLargeError, ValidationError } from '../domain/errors.ts';
import { logger } from '../observability/powertools.ts';
import { publishMetrics } from '../observability/publish-metrics.ts';
import { assertAuthenticated, authMode } from './auth.ts';
import { errorAnswer } from './error-map.ts';
import { callerOf, type HttpRequest, type HttpResponse, requestIdOf } from './request.ts';
import { countUnhandled } from '../observability/unhandled-errors.ts';

export const MAX_BODY_BYTES = 64 * 1024;

export type RouteHandler = (req: HttpRequest) => Promise<HttpResponse>;

interface Internal extends Record<string, unknown> {
  requestId: string;
}

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

function toRequest(event: Event, requestId: string): HttpRequest {
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    routeKey: event.routeKey,
    pathParams: (event.pathParameters ?? {}) as Record<string, string>,
    query: (event.queryStringParameters ?? {}) as Record<string, string>,
    headers: (event.headers ?? {}) as Record<string, string>,
    body: parseBody(event),
    requestId,
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
  try {
    return JSON.parse(raw);
  } catch {
    throw new ValidationError('request body is not valid JSON', {}, 'invalid_json');
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
    request.internal.requestId = requestId;
    logger.appendKeys({ request_id: requestId, route: request.event.routeKey });
  },
  onError: (request) => {
    const requestId = request.internal.requestId || requestIdOf(request.event);
    const answer = errorAnswer(request.error, requestId);
    if (answer.statusCode === 500) countUnhandled();
    if (answer.internal) logger.error('request failed', { error: request.error as Error });
    else logger.info('request rejected', { status: answer.statusCode, error_type: answer.body['error_type'] });
    request.response = toResult({ statusCode: answer.statusCode, body: answer.body }, requestId);
  },
});

/** Wrap a route handler in the shared stack. The result is an API Gateway v2 Lambda handler. */
export function httpHandler(route: RouteHandler) {
  // read at cold start: a function with a bad AUTH_MODE fails to start instead of answering 500s
  const mode = authMode();
  return middy<Event, Result, Error, Context, Internal>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .use(httpHeaderNormalizer())
    .use(requestContext())
    .handler(async (event, _context, { signal: _signal }) => {
      const requestId = requestIdOf(event);
      const req = toRequest(event, requestId);
      assertAuthenticated(req.routeKey, req.caller, mode);
      const res = await route(req);
      return toResult(res, requestId);
    });
}

export function json(statusCode: number, body: unknown, headers?: Record<string, string>): HttpResponse {
  return { statusCode, body, headers };
}
