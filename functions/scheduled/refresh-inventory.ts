// Scheduled (InventoryRefresh): fetches every provider's offers and stores a snapshot per provider. The only
// inventory code that talks to providers; requests read what it stored.
import { documentClient } from '../../shared/adapters/dynamodb/client.ts';
import { inventoryMaxAgeSeconds } from '../../shared/adapters/dynamodb/inventory-from-env.ts';
import { DynamoInventoryWriter } from '../../shared/adapters/dynamodb/inventory-writer.ts';
import { providerRegistry } from '../../shared/adapters/providers/registry.ts';
import { numberEnv, requireEnv } from '../../shared/config.ts';
import { makeHandler } from './refresh-inventory-handler.ts';

export { makeHandler };

export const handler = makeHandler({
  registry: providerRegistry(),
  store: new DynamoInventoryWriter(documentClient(), requireEnv('TABLE_NAME')),
  now: () => new Date(),
  options: {
    timeoutMs: numberEnv('INVENTORY_PROVIDER_TIMEOUT_SECONDS', 20, { min: 1 }) * 1000,
    attempts: numberEnv('INVENTORY_PROVIDER_ATTEMPTS', 2, { min: 1 }),
    backoffMs: 1000,
    maxAgeSeconds: inventoryMaxAgeSeconds(),
  },
});
