// RefreshTemplates (scheduled): fetch the Vast.ai template catalog and store it. The only template code that talks
// to the provider; requests read what it stored. A failed fetch keeps the stored templates and records why.
import type { ProviderRegistry } from '../../ports/provider.ts';
import { isTemplateSource, type TemplateCatalogStore } from '../../ports/templates.ts';

export interface RefreshTemplatesDeps {
  registry: Pick<ProviderRegistry, 'all'>;
  store: TemplateCatalogStore;
  now: () => Date;
  timeoutMs: number;
}

type RefreshTemplatesResult =
  | { outcome: 'refreshed'; fetched: number; stored: number }
  | { outcome: 'failed'; error: string }
  | { outcome: 'unconfigured' };

export async function refreshTemplates(deps: RefreshTemplatesDeps): Promise<RefreshTemplatesResult> {
  const vast = (await deps.registry.all()).find((p) => p.name === 'vastai');
  if (!vast || !isTemplateSource(vast)) return { outcome: 'unconfigured' };
  let templates: Awaited<ReturnType<typeof vast.listTemplates>>;
  try {
    templates = await vast.listTemplates({ signal: AbortSignal.timeout(deps.timeoutMs) });
  } catch (err) {
    const error = (err as Error).message || 'template listing failed';
    await deps.store.recordFailure(error, deps.now().toISOString());
    return { outcome: 'failed', error };
  }
  const { stored } = await deps.store.write({ templates, fetched_at: deps.now().toISOString() });
  return { outcome: 'refreshed', fetched: templates.length, stored };
}
