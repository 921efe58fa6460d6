import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { apiGatewayEvent } from '../../local/api-gateway-event.ts';

export const lambdaContext = {
  functionName: 'test',
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

export interface Call {
  method?: string;
  path: string;
  routePath?: string;
  body?: unknown;
  headers?: Record<string, string>;
  pathParameters?: Record<string, string>;
  authorizer?: Record<string, unknown>;
}

/** Invoke an HTTP Lambda handler with the event API Gateway would send, and parse its JSON answer. */
export async function callHandler(
  // biome-ignore lint/suspicious/noExplicitAny: any middy-wrapped handler
  handler: (event: any, context: Context) => Promise<any>,
  call: Call,
): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  const method = call.method ?? 'GET';
  const url = new URL(call.path, 'http://local');
  const event = apiGatewayEvent({
    method,
    url,
    headers: { 'content-type': 'application/json', ...call.headers },
    body: call.body === undefined ? '' : typeof call.body === 'string' ? call.body : JSON.stringify(call.body),
    routeKey: `${method} ${call.routePath ?? url.pathname}`,
    pathParameters: call.pathParameters,
    sourceIp: '127.0.0.1',
    authorizer: call.authorizer,
  });
  const result = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
  return {
    status: result.statusCode ?? 200,
    body: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {},
    headers: (result.headers ?? {}) as Record<string, string>,
  };
}
