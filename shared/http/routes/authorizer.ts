// The Lambda authorizer of the HTTP API (payload 2.0, simple responses) in front of every route marked auth in the
// app model. API Gateway caches its answer per Authorization header for a short TTL, so a revoked key stops working
// within that TTL. A refused key throws exactly "Unauthorized", which API Gateway answers with 401.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { METRIC } from '../../observability/metric-names.ts';
import { logger } from '../../observability/powertools.ts';
import { publishMetrics } from '../../observability/publish-metrics.ts';
import { traceHandler } from '../../observability/tracing.ts';
import type { ApiKeyStore } from '../../ports/api-keys.ts';
import type { MetricsSink } from '../../ports/metrics.ts';
import { authenticate } from '../../use-cases/keys/authenticate.ts';

interface AuthorizerContext {
  [key: string]: string | boolean;
  keyId: string;
  consumerId: string;
  admin: boolean;
}

type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;

export interface AuthorizerDeps {
  keys: ApiKeyStore;
  metrics: MetricsSink;
}

/** The one message API Gateway turns into a 401 (any other error is a 500). */
const UNAUTHORIZED = 'Unauthorized';

export function makeHandler(deps: AuthorizerDeps) {
  return middy<APIGatewayRequestAuthorizerEventV2, AuthorizerResult>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(traceHandler())
    .use(publishMetrics())
    .handler(async (event) => {
      const header = event.identitySource?.[0] ?? event.headers?.['authorization'];
      let outcome: Awaited<ReturnType<typeof authenticate>>;
      try {
        outcome = await authenticate(deps.keys, header);
      } catch (err) {
        // storage failed: not the caller's fault, and not something to cache as a refusal
        logger.error('authorizer could not check the key', { error: err as Error });
        deps.metrics.add(METRIC.AuthorizerErrors, 'Count', 1);
        throw new Error('authorizer failed');
      }
      if (!outcome.ok) {
        logger.info('API key refused', { reason: outcome.reason, key_id: outcome.keyId, route: event.routeKey });
        deps.metrics.add(METRIC.ApiKeysRejected, 'Count', 1, { reason: outcome.reason });
        throw new Error(UNAUTHORIZED);
      }
      const { principal } = outcome;
      return {
        isAuthorized: true,
        context: { keyId: principal.keyId, consumerId: principal.consumerId, admin: principal.admin },
      };
    });
}
