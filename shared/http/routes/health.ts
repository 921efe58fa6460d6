// GET /health (liveness: never touches a dependency) and GET /ready (every dependency answers).
import { httpHandler, json, type Route } from '../http-handler.ts';
import type { ReadinessCheck } from '../../ports/readiness.ts';
import { checkReadiness } from '../../use-cases/check-readiness.ts';

export interface HealthDeps {
  readinessChecks: ReadinessCheck[];
  version: string;
  now: () => Date;
}

export function makeRoutes(deps: HealthDeps): Route[] {
  return [
    { method: 'GET', path: '/health', handler: async () => json(200, { status: 'ok', version: deps.version, timestamp: deps.now().toISOString() }) },
    {
      method: 'GET',
      path: '/ready',
      handler: async () => {
        const timestamp = deps.now().toISOString();
        const readiness = await checkReadiness(deps.readinessChecks);
        return readiness.ready
          ? json(200, { ready: true, timestamp, checks: readiness.checks })
          : json(503, { ready: false, message: readiness.message, timestamp, checks: readiness.checks });
      },
    },
  ];
}

export const makeHandler = (deps: HealthDeps) => httpHandler(makeRoutes(deps));
