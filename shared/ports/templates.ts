// Vast.ai templates as the broker keeps them: one catalog, refreshed on a schedule and read from storage on
// request paths (never from the provider).
import type { Template } from '../domain/template.ts';

export interface StoredTemplateCatalog {
  templates: Template[];
  /** when the provider last answered (absent while no refresh has succeeded) */
  fetched_at?: string;
  /** the last refresh failed (the templates are older news), with why */
  error?: string;
  error_at?: string;
}

export interface TemplateCatalogStore {
  /** undefined until the first refresh (successful or not) */
  read(): Promise<StoredTemplateCatalog | undefined>;
  write(catalog: StoredTemplateCatalog & { fetched_at: string }): Promise<{ stored: number }>;
  /** keeps the templates, records that the last refresh failed */
  recordFailure(error: string, at: string): Promise<void>;
}

/** Where templates come from (the Vast.ai adapter). */
export interface TemplateSource {
  listTemplates(options?: { signal?: AbortSignal }): Promise<Template[]>;
}

export function isTemplateSource(value: unknown): value is TemplateSource {
  return typeof (value as Partial<TemplateSource> | undefined)?.listTemplates === 'function';
}
