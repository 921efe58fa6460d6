// What every function that creates, verifies, destroys or reconciles instances is wired with: the session stores,
// the providers, metrics, the clock, and this deployment's id (checked at cold start: without it the broker could not
// tell its instances from anyone else's, so such a function refuses to start).
import { deploymentId } from '../config.ts';
import { powertoolsMetricsSink } from '../observability/metrics-sink.ts';
import { providerRegistry } from './providers.ts';
import { sharedStores, sharedWorkflows, systemClock } from './shared-clients.ts';

const DEPLOYMENT = deploymentId();

export function instanceDeps() {
  const { sessions, events, costs } = sharedStores();
  return {
    sessions,
    events,
    costs,
    workflows: sharedWorkflows(),
    providers: providerRegistry(),
    metrics: powertoolsMetricsSink,
    clock: systemClock,
    deploymentId: DEPLOYMENT,
  };
}
