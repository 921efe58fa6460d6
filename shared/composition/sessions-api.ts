// Wiring of the session API function: the only one that makes SSH keys (and so the only one bundling ssh2).
import { randomUUID } from 'node:crypto';
import { DynamoConsumerSettingsStore } from '../adapters/dynamodb/consumer-settings-store.ts';
import { generateSshKeyPair } from '../adapters/ssh/keys.ts';
import { config } from '../config.ts';
import { powertoolsMetricsSink } from '../observability/metrics-sink.ts';
import { sharedBudgetWatch } from './budgets.ts';
import { inventoryFromEnv } from './inventory.ts';
import { secretCipherFromEnv } from './secret-cipher.ts';
import { hardMaxHours, reservationHourMs } from './sessions.ts';
import { sharedStores, sharedWorkflows, systemClock } from './shared-clients.ts';
import { templatesFromEnv } from './templates.ts';

export function sessionsApiDeps() {
  const stores = sharedStores();
  return {
    sessions: stores.sessions,
    events: stores.events,
    workflows: sharedWorkflows(),
    inventory: inventoryFromEnv().service,
    cipher: secretCipherFromEnv(),
    metrics: powertoolsMetricsSink,
    clock: systemClock,
    newId: randomUUID,
    generateKeyPair: generateSshKeyPair,
    hardMaxHours: hardMaxHours(),
    reservationHourMs: reservationHourMs(),
    watchBudget: sharedBudgetWatch({ stops: true }),
    templates: templatesFromEnv().catalog,
    defaultDiskGb: config().get('DEFAULT_DISK_GB'),
    consumerSettings: new DynamoConsumerSettingsStore(stores.db, stores.tableName),
  };
}

