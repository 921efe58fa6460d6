// The inventory wiring every function shares: created once per process (module scope), so the in-memory
// snapshot copy survives between invocations of a warm Lambda.
import { numberEnv, requireEnv } from '../../config.ts';
import { InventoryService } from '../../use-cases/inventory-service.ts';
import { documentClient } from './client.ts';
import { DynamoInventoryReader } from './inventory-store.ts';
import { DynamoOfferHealthStore } from './offer-health-store.ts';

const DEFAULT_INVENTORY_MAX_AGE_SECONDS = 600;

/** How old a snapshot may be (since its last successful fetch) and still be served. */
export function inventoryMaxAgeSeconds(): number {
  return numberEnv('INVENTORY_MAX_AGE_SECONDS', DEFAULT_INVENTORY_MAX_AGE_SECONDS, { min: 1 });
}

interface InventoryWiring {
  snapshots: DynamoInventoryReader;
  health: DynamoOfferHealthStore;
  service: InventoryService;
}

let shared: InventoryWiring | undefined;

export function inventoryFromEnv(): InventoryWiring {
  if (!shared) {
    const db = documentClient();
    const tableName = requireEnv('TABLE_NAME');
    const now = () => new Date();
    const snapshots = new DynamoInventoryReader(db, tableName);
    const health = new DynamoOfferHealthStore(db, tableName, { now });
    const service = new InventoryService({ snapshots, failures: health, now, maxAgeSeconds: inventoryMaxAgeSeconds() });
    shared = { snapshots, health, service };
  }
  return shared;
}
