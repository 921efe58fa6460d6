// Wiring of GET /health and GET /ready: the table and the inventory snapshots are the dependencies checked.
import { TableReadiness } from '../adapters/dynamodb/table-readiness.ts';
import { config } from '../config.ts';
import { InventoryReadiness } from '../use-cases/inventory-readiness.ts';
import { appVersion } from './app-version.ts';
import { documentClient } from './dynamodb.ts';
import { inventoryFromEnv } from './inventory.ts';

export const healthDeps = () => ({
  readinessChecks: [new TableReadiness(documentClient(), config().require('TABLE_NAME')), new InventoryReadiness(inventoryFromEnv().snapshots)],
  version: appVersion(),
  now: () => new Date(),
});
