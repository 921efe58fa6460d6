// One Logger and one Metrics instance per process, shared by every handler and use case. Service name and namespace
// come from the configuration (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, defaults below); Powertools
// reads its other variables (POWERTOOLS_LOG_LEVEL…) itself, as named in shared/config.ts.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { config } from '../config.ts';
import { redactSecrets } from './redact.ts';

export const METRICS_NAMESPACE = 'GpuShopper';
export const SERVICE_NAME = 'gpu-shopper';

export const logger = new Logger({
  serviceName: config().get('POWERTOOLS_SERVICE_NAME'),
  // last line of defence: nothing that looks like key material or a credential reaches a log line
  jsonReplacerFn: (_key: string, value: unknown) => (typeof value === 'string' ? redactSecrets(value) : value),
});

export const metrics = new Metrics({
  namespace: config().get('POWERTOOLS_METRICS_NAMESPACE'),
  serviceName: config().get('POWERTOOLS_SERVICE_NAME'),
});
