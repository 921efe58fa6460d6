// Lambda entry point: shared/http/routes/authorizer.ts wired for production (the app model names this file).
import { apiKeyStore } from '../../shared/composition/keys.ts';
import { powertoolsMetricsSink } from '../../shared/observability/metrics-sink.ts';
import { makeHandler } from '../../shared/http/routes/authorizer.ts';

export const handler = makeHandler({ keys: apiKeyStore(), metrics: powertoolsMetricsSink });
