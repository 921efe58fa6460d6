// A small typed view of an API Gateway HTTP API (payload v2) event, so handlers never poke at the raw event.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface Caller {
  /** consumer the API key belongs to; undefined for admin keys and when auth is off (local) */
  consumerId?: string;
  admin: boolean;
  /** id of the API key that authenticated the request; undefined when auth is off */
  keyId?: string;
}

export interface HttpRequest {
  method: string;
  path: string;
  routeKey: string;
  pathParams: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** parsed JSON body; undefined when there was none */
  body: unknown;
  /** made by the server (API Gateway's request id): unique, whatever the caller sends */
  requestId: string;
  /** the caller's X-Request-ID when well-formed: recorded beside requestId, never instead of it */
  clientRequestId?: string;
  caller: Caller;
  receivedAt: Date;
}

export interface HttpResponse {
  statusCode: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function requestIdOf(event: APIGatewayProxyEventV2): string {
  return event.requestContext?.requestId || crypto.randomUUID();
}

/** The caller's own id for the request (two callers may send the same one: it only helps them find theirs). */
export function clientRequestIdOf(event: APIGatewayProxyEventV2): string | undefined {
  const given = event.headers?.['x-request-id'];
  return given && REQUEST_ID.test(given) ? given : undefined;
}

/** Authorizer context set by the Lambda authorizer (simple responses put it under `lambda`). */
export function callerOf(event: APIGatewayProxyEventV2): Caller {
  const ctx = (event.requestContext as { authorizer?: { lambda?: Record<string, unknown> } }).authorizer?.lambda;
  const text = (name: string) => (typeof ctx?.[name] === 'string' && ctx[name] !== '' ? (ctx[name] as string) : undefined);
  const keyId = text('keyId');
  return { consumerId: text('consumerId'), admin: ctx?.['admin'] === true || ctx?.['admin'] === 'true', ...(keyId ? { keyId } : {}) };
}
