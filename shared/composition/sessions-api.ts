// Wiring of the session API function: the only one that makes SSH keys (and so the only one bundling ssh2).
import { randomUUID } from 'node:crypto';
import { DynamoConsumerSettingsStore } from '../adapters/dynamodb/consumer-settings-store.ts';
import { inventoryFromEnv } from '../adapters/dynamodb/inventory-from-env.ts';
import { secretCipherFromEnv } from '../adapters/secrets/secret-cipher-from-env.ts';
import { generateSshKeyPair } from '../adapters/ssh/keys.ts';
import { numberEnv } from '../config.ts';
import { powertoolsMetricsSink } from '../observability/metrics-sink.ts';
import { sharedBudgetWatch } from './budgets.ts';
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
    defaultDiskGb: numberEnv('DEFAULT_DISK_GB', 50, { min: 8 }),
    consumerSettings: new DynamoConsumerSettingsStore(stores.db, stores.tableName),
  };
}

