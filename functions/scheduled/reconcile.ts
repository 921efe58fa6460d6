// Schedule Reconcile (every RECONCILE_SECONDS): destroys this deployment's orphaned instances and ends sessions whose
// instance vanished, provider by provider.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { reconcileDeps } from '../../shared/composition/reconcile.ts';
import { logger } from '../../shared/observability/powertools.ts';
import { publishMetrics } from '../../shared/observability/publish-metrics.ts';
import type { ReconcileDeps } from '../../shared/use-cases/reconcile/deps.ts';
import { reconcile } from '../../shared/use-cases/reconcile/reconcile.ts';

export const makeHandler = (deps: () => Promise<ReconcileDeps>) =>
  middy({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .handler(async () => reconcile(await deps()));

export const handler = makeHandler(reconcileDeps);
