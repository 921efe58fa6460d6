// Scheduled (InventoryRefresh): fetches every provider's offers and stores a snapshot per provider. The only
// inventory code that talks to providers; requests read what it stored.
import { inventoryRefreshDeps } from '../../shared/composition/inventory-refresh.ts';
import { makeHandler } from './refresh-inventory-handler.ts';

export const handler = makeHandler(inventoryRefreshDeps());
