// Lambda entry point: shared/http/routes/offer-health.ts wired for production (the app model names this file).
import { inventoryFromEnv } from '../../shared/composition/inventory.ts';
import { makeHandler } from '../../shared/http/routes/offer-health.ts';

export const handler = makeHandler({ failures: inventoryFromEnv().health, now: () => new Date() });
