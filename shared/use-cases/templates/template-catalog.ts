// The Vast.ai template catalog as callers see it: what the last refresh stored, how fresh it is, and the queries
// on it (filters, one template, the templates an offer can run). Reads storage only, never the provider.
import type { Offer } from '../../domain/offer.ts';
import { type FilterMismatch, type Template, templateCompatibility } from '../../domain/template.ts';
import type { TemplateCatalogStore } from '../../ports/templates.ts';

type TemplateCatalogStatus = 'ok' | 'stale' | 'unavailable';

export interface TemplateCatalogView {
  templates: Template[];
  status: TemplateCatalogStatus;
  fetched_at?: string;
  age_seconds?: number;
  /** why the last refresh failed, when it did */
  error?: string;
}

interface TemplateCatalogDeps {
  store: Pick<TemplateCatalogStore, 'read'>;
  now: () => Date;
  /** older than this since the last successful fetch: stale */
  maxAgeSeconds: number;
}

interface TemplateFilter {
  /** case-insensitive substring of the name */
  name?: string;
  /** case-insensitive substring of the image (with its tag) */
  image?: string;
  recommended?: boolean;
}

export class TemplateCatalog {
  constructor(private readonly deps: TemplateCatalogDeps) {}

  async view(): Promise<TemplateCatalogView> {
    const stored = await this.deps.store.read();
    if (!stored?.fetched_at) {
      return { templates: [], status: 'unavailable', ...(stored?.error ? { error: stored.error } : {}) };
    }
    const age = Math.max(0, Math.round((this.deps.now().getTime() - Date.parse(stored.fetched_at)) / 1000));
    const failedSince = stored.error && stored.error_at && stored.error_at > stored.fetched_at;
    return {
      templates: stored.templates,
      status: age > this.deps.maxAgeSeconds || failedSince ? 'stale' : 'ok',
      fetched_at: stored.fetched_at,
      age_seconds: age,
      ...(failedSince ? { error: stored.error } : {}),
    };
  }

  async find(hashId: string): Promise<Template | undefined> {
    const wanted = hashId.trim().toLowerCase();
    return (await this.view()).templates.find((t) => t.hash_id.toLowerCase() === wanted);
  }
}

export function filterTemplates(templates: Template[], f: TemplateFilter): Template[] {
  const name = f.name?.toLowerCase();
  const image = f.image?.toLowerCase();
  return templates.filter(
    (t) =>
      (name === undefined || t.name.toLowerCase().includes(name)) &&
      (image === undefined || `${t.image}:${t.tag ?? ''}`.toLowerCase().includes(image)) &&
      (f.recommended === undefined || t.recommended === f.recommended),
  );
}

interface TemplateMatch {
  template: Template;
  compatible: boolean;
  mismatches: FilterMismatch[];
}

/** Every template with whether the offer meets its host requirements. Templates exist on Vast.ai only. */
export function matchTemplates(templates: Template[], offer: Offer): TemplateMatch[] {
  if (offer.provider !== 'vastai') return [];
  return templates.map((template) => ({ template, ...templateCompatibility(template, offer) }));
}
