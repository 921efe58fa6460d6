// The template catalog wiring every function shares, once per process.
import { DynamoTemplateCatalogStore } from '../adapters/dynamodb/template-catalog-store.ts';
import { config } from '../config.ts';
import { TemplateCatalog } from '../use-cases/templates/template-catalog.ts';
import { documentClient } from './dynamodb.ts';

const templateRefreshSeconds = () => config().get('TEMPLATE_REFRESH_SECONDS');

let shared: { store: DynamoTemplateCatalogStore; catalog: TemplateCatalog } | undefined;

export function templatesFromEnv() {
  if (!shared) {
    const store = new DynamoTemplateCatalogStore(documentClient(), config().require('TABLE_NAME'));
    // a catalog two refreshes old is reported stale (still served: templates change rarely)
    const catalog = new TemplateCatalog({ store, now: () => new Date(), maxAgeSeconds: 2 * templateRefreshSeconds() });
    shared = { store, catalog };
  }
  return shared;
}
