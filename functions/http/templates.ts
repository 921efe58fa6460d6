// Lambda entry point: shared/http/routes/templates.ts wired for production (the app model names this file).
import { inventoryFromEnv } from '../../shared/composition/inventory.ts';
import { templatesFromEnv } from '../../shared/composition/templates.ts';
import { makeHandler } from '../../shared/http/routes/templates.ts';

export const handler = makeHandler({ catalog: templatesFromEnv().catalog, inventory: inventoryFromEnv().service });
