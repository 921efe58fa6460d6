// Scheduled (TemplateRefresh): fetches the Vast.ai template catalog and stores it for the request paths.
import { templateRefreshDeps } from '../../shared/composition/template-refresh.ts';
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

export const handler = makeHandler(templateRefreshDeps);
