// The template catalog wiring every function shares, once per process.
import { documentClient } from '../adapters/dynamodb/client.ts';
import { DynamoTemplateCatalogStore } from '../adapters/dynamodb/template-catalog-store.ts';
import { numberEnv, requireEnv } from '../config.ts';
import { TemplateCatalog } from '../use-cases/templates/template-catalog.ts';

export const DEFAULT_TEMPLATE_REFRESH_SECONDS = 3600;

export const templateRefreshSeconds = () =>
  numberEnv('TEMPLATE_REFRESH_SECONDS', DEFAULT_TEMPLATE_REFRESH_SECONDS, { min: 1 });

let shared: { store: DynamoTemplateCatalogStore; catalog: TemplateCatalog } | undefined;

export function templatesFromEnv() {
  if (!shared) {
    const store = new DynamoTemplateCatalogStore(documentClient(), requireEnv('TABLE_NAME'));
    // a catalog two refreshes old is reported stale (still served: templates change rarely)
    const catalog = new TemplateCatalog({ store, now: () => new Date(), maxAgeSeconds: 2 * templateRefreshSeconds() });
    shared = { store, catalog };
  }
  return shared;
}
