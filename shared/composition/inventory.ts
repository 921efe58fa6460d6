// The inventory wiring every function shares: created once per process (module scope), so the in-memory
// snapshot copy survives between invocations of a warm Lambda.
import { DynamoInventoryReader } from '../adapters/dynamodb/inventory-store.ts';
import { DynamoOfferHealthStore } from '../adapters/dynamodb/offer-health-store.ts';
import { config } from '../config.ts';
import { InventoryService } from '../use-cases/inventory-service.ts';
import { documentClient } from './dynamodb.ts';

/** How old a snapshot may be (since its last successful fetch) and still be served. */
export const inventoryMaxAgeSeconds = (): number => config().get('INVENTORY_MAX_AGE_SECONDS');

interface InventoryWiring {
  snapshots: DynamoInventoryReader;
  health: DynamoOfferHealthStore;
  service: InventoryService;
}

let shared: InventoryWiring | undefined;

export function inventoryFromEnv(): InventoryWiring {
  if (!shared) {
    const db = documentClient();
    const tableName = config().require('TABLE_NAME');
    const now = () => new Date();
    const snapshots = new DynamoInventoryReader(db, tableName);
    const health = new DynamoOfferHealthStore(db, tableName, { now });
    const service = new InventoryService({ snapshots, failures: health, now, maxAgeSeconds: inventoryMaxAgeSeconds() });
    shared = { snapshots, health, service };
  }
  return shared;
}
