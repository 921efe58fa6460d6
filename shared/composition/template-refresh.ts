// Wiring of the scheduled template refresh (the Vast.ai template catalog), read per invocation.
import { config } from '../config.ts';
import type { RefreshTemplatesDeps } from '../use-cases/templates/refresh-templates.ts';
import { providerRegistry } from './providers.ts';
import { templatesFromEnv } from './templates.ts';

export const templateRefreshDeps = (): RefreshTemplatesDeps => ({
  registry: providerRegistry(),
  store: templatesFromEnv().store,
  now: () => new Date(),
  timeoutMs: config().get('TEMPLATE_PROVIDER_TIMEOUT_SECONDS') * 1000,
});
