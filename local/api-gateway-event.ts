// The event API Gateway (HTTP API, payload format 2.0) sends a Lambda integration for one request.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

interface EventInput {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
  routeKey: string;
  pathParameters?: Record<string, string>;
  sourceIp: string;
  authorizer?: Record<string, unknown>;
}

export function apiGatewayEvent(input: EventInput): APIGatewayProxyEventV2 {
  // API Gateway joins repeated query parameters with commas
  const query: Record<string, string> = {};
  for (const [k, v] of input.url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const now = Date.now();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: input.url.pathname,
    rawQueryString: input.url.search.replace(/^\?/, ''),
    headers: input.headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: input.pathParameters && Object.keys(input.pathParameters).length ? input.pathParameters : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: input.headers['host'] ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: input.method,
        path: input.url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp,
        userAgent: input.headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: input.routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body: input.body === '' ? undefined : input.body,
    isBase64Encoded: false,
  };
  if (input.authorizer) {
    (event.requestContext as unknown as { authorizer: unknown }).authorizer = { lambda: input.authorizer };
  }
  return event;
}

