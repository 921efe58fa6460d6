// Schedule Reconcile (every RECONCILE_SECONDS): destroys this deployment's orphaned instances and ends sessions whose
// instance vanished, provider by provider.
import { reconcileDeps } from '../../shared/composition/reconcile.ts';
import { scheduledHandler } from '../../shared/tasks/scheduled-handler.ts';
import type { ReconcileDeps } from '../../shared/use-cases/reconcile/deps.ts';
import { reconcile } from '../../shared/use-cases/reconcile/reconcile.ts';

export const makeHandler = (deps: () => Promise<ReconcileDeps>) => scheduledHandler(async () => reconcile(await deps()));

export const handler = makeHandler(reconcileDeps);
