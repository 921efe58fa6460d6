// Scheduled (TemplateRefresh): fetches the Vast.ai template catalog and stores it for the request paths.
import { providerRegistry } from '../../shared/adapters/providers/registry.ts';
import { templatesFromEnv } from '../../shared/composition/templates.ts';
import { numberEnv } from '../../shared/config.ts';
import { logger } from '../../shared/observability/powertools.ts';
import { scheduledHandler } from '../../shared/tasks/scheduled-handler.ts';
import { type RefreshTemplatesDeps, refreshTemplates } from '../../shared/use-cases/templates/refresh-templates.ts';

export function makeHandler(deps: () => RefreshTemplatesDeps) {
  return scheduledHandler(async () => {
    const result = await refreshTemplates(deps());
    if (result.outcome === 'failed') logger.warn('template refresh failed', { provider: 'vastai', error: result.error });
    else logger.info('template refresh', { provider: 'vastai', ...result });
    return result;
  });
}

export const handler = makeHandler(() => ({
  registry: providerRegistry(),
  store: templatesFromEnv().store,
  now: () => new Date(),
  timeoutMs: numberEnv('TEMPLATE_PROVIDER_TIMEOUT_SECONDS', 30, { min: 1 }) * 1000,
}));
