// API Gateway's side of a Lambda authorizer (HTTP API, payload 2.0, simple responses), locally: a missing identity
// header is refused without invoking the function; otherwise the function gets the authorizer event, and its answer
// is cached per header value for the TTL, as API Gateway caches it. The function itself is the real handler.
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import type { Authorizer, AuthorizerDecision } from './http-server.ts';

interface AuthorizerInvoker {
  invoke<T = unknown>(functionId: string, event: unknown): Promise<T>;
}

interface LambdaAuthorizerOptions {
  lambdas: AuthorizerInvoker;
  functionId: string;
  /** lower-case header name (the identity source) */
  identityHeader: string;
  /** 0 turns caching off */
  cacheSeconds: number;
  now?: () => number;
}

const UNAUTHORIZED: AuthorizerDecision = { allow: false, status: 401, message: 'Unauthorized' };

function authorizerEvent(event: APIGatewayProxyEventV2, identity: string): APIGatewayRequestAuthorizerEventV2 {
  const ctx = event.requestContext;
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:local:${ctx.accountId}:${ctx.apiId}/${ctx.stage}/${ctx.http.method}${event.rawPath}`,
    identitySource: [identity],
    routeKey: event.routeKey,
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString,
    cookies: event.cookies ?? [],
    headers: event.headers,
    queryStringParameters: event.queryStringParameters,
    requestContext: ctx,
    pathParameters: event.pathParameters,
  };
}

export class LocalLambdaAuthorizer implements Authorizer {
  private readonly cache = new Map<string, { decision: AuthorizerDecision; until: number }>();

  constructor(private readonly options: LambdaAuthorizerOptions) {}

  async authorize(event: APIGatewayProxyEventV2): Promise<AuthorizerDecision> {
    const identity = event.headers?.[this.options.identityHeader];
    if (identity === undefined || identity.trim() === '') return UNAUTHORIZED;
    const now = (this.options.now ?? Date.now)();
    const cached = this.cache.get(identity);
    if (cached && cached.until > now) return cached.decision;

    const { decision, answered } = await this.decide(authorizerEvent(event, identity));
    // what the function answered (allow or deny) is cached; an error it threw is not
    if (answered && this.options.cacheSeconds > 0) {
      this.cache.set(identity, { decision, until: now + this.options.cacheSeconds * 1000 });
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    }
    return decision;
  }

  private async decide(event: APIGatewayRequestAuthorizerEventV2): Promise<{ decision: AuthorizerDecision; answered: boolean }> {
    let result: unknown;
    try {
      result = await this.options.lambdas.invoke(this.options.functionId, event);
    } catch (err) {
      const decision: AuthorizerDecision =
        (err as Error)?.message === 'Unauthorized' ? UNAUTHORIZED : { allow: false, status: 500, message: 'Internal Server Error' };
      return { decision, answered: false };
    }
    return { decision: interpret(result), answered: true };
  }
}

function interpret(result: unknown): AuthorizerDecision {
  const answer = result as { isAuthorized?: unknown; context?: unknown } | undefined;
  if (typeof answer?.isAuthorized !== 'boolean') return { allow: false, status: 500, message: 'Internal Server Error' };
  if (!answer.isAuthorized) return { allow: false, status: 403, message: 'Forbidden' };
  const context = answer.context && typeof answer.context === 'object' ? (answer.context as Record<string, unknown>) : {};
  return { allow: true, context };
}
