// GET /health (liveness: never touches a dependency) and GET /ready (every dependency answers).
import { healthDeps } from '../../shared/composition/health.ts';
import { httpHandler, json, type RouteHandler } from '../../shared/http/http-handler.ts';
import type { ReadinessCheck } from '../../shared/ports/readiness.ts';
import { checkReadiness } from '../../shared/use-cases/check-readiness.ts';

export interface HealthDeps {
  readinessChecks: ReadinessCheck[];
  version: string;
  now: () => Date;
}

export function makeRoute(deps: HealthDeps): RouteHandler {
  return async (req) => {
    const timestamp = deps.now().toISOString();
    if (req.path === '/health') {
      return json(200, { status: 'ok', version: deps.version, timestamp });
    }
    const readiness = await checkReadiness(deps.readinessChecks);
    return readiness.ready
      ? json(200, { ready: true, timestamp, checks: readiness.checks })
      : json(503, { ready: false, message: readiness.message, timestamp, checks: readiness.checks });
  };
}

export const makeHandler = (deps: HealthDeps) => httpHandler(makeRoute(deps));

export const handler = makeHandler(healthDeps());
