// Wiring of the scheduled inventory refresh: every provider's listing into one snapshot per provider.
import { DynamoInventoryWriter } from '../adapters/dynamodb/inventory-writer.ts';
import { config } from '../config.ts';
import { documentClient } from './dynamodb.ts';
import { inventoryMaxAgeSeconds } from './inventory.ts';
import { providerRegistry } from './providers.ts';

export const inventoryRefreshDeps = () => ({
  registry: providerRegistry(),
  store: new DynamoInventoryWriter(documentClient(), config().require('TABLE_NAME')),
  now: () => new Date(),
  options: {
    timeoutMs: config().get('INVENTORY_PROVIDER_TIMEOUT_SECONDS') * 1000,
    attempts: config().get('INVENTORY_PROVIDER_ATTEMPTS'),
    backoffMs: 1000,
    maxAgeSeconds: inventoryMaxAgeSeconds(),
  },
});
