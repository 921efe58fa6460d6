// One Logger and one Metrics instance per process, configured from the environment (POWERTOOLS_SERVICE_NAME,
// POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL), shared by every handler and use case.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { redactSecrets } from './redact.ts';

export const METRICS_NAMESPACE = 'GpuShopper';
export const SERVICE_NAME = 'gpu-shopper';

export const logger = new Logger({
  serviceName: process.env['POWERTOOLS_SERVICE_NAME'] ?? SERVICE_NAME,
  // last line of defence: nothing that looks like key material or a credential reaches a log line
  jsonReplacerFn: (_key: string, value: unknown) => (typeof value === 'string' ? redactSecrets(value) : value),
});

export const metrics = new Metrics({
  namespace: process.env['POWERTOOLS_METRICS_NAMESPACE'] ?? METRICS_NAMESPACE,
  serviceName: process.env['POWERTOOLS_SERVICE_NAME'] ?? SERVICE_NAME,
});

export { MetricUnit };
