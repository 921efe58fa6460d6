// Lambda entry point: shared/http/routes/inventory.ts wired for production (the app model names this file).
import { inventoryApiDeps } from '../../shared/composition/inventory-api.ts';
import { makeHandler } from '../../shared/http/routes/inventory.ts';

export const handler = makeHandler(inventoryApiDeps());
