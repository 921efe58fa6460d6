// Wiring of the watch routes and the shared watch check, once per process.
import { DynamoWatchStore } from '../adapters/dynamodb/watch-store.ts';
import { config } from '../config.ts';
import type { CheckWatchesDeps } from '../use-cases/watches/check-watches.ts';
import { createSession } from '../use-cases/sessions/create-session.ts';
import { sharedConsumerEventBus } from './consumer-events.ts';
import { sessionsApiDeps } from './sessions-api.ts';
import { sharedStores, systemClock } from './shared-clients.ts';

let store: DynamoWatchStore | undefined;

function watchStore(): DynamoWatchStore {
  const { db, tableName } = sharedStores();
  store ??= new DynamoWatchStore(db, tableName);
  return store;
}

export const watchesApiDeps = () => ({ watches: watchStore(), clock: systemClock });

export function checkWatchesDeps(): CheckWatchesDeps {
  const sessions = sessionsApiDeps();
  return {
    watches: watchStore(),
    inventory: sessions.inventory,
    bus: sharedConsumerEventBus(),
    clock: systemClock,
    defaultDiskGb: config().get('DEFAULT_DISK_GB'),
    createSession: async (req) => (await createSession(sessions, req)).session.id,
  };
}
