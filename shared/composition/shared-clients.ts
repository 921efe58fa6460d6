// Clients and stores every function shares, created once per process (module scope), so warm invocations reuse
// their connections.
import { DynamoCostLedger } from '../adapters/dynamodb/cost-ledger.ts';
import { documentClient } from '../adapters/dynamodb/client.ts';
import { DynamoSessionEventLog } from '../adapters/dynamodb/session-event-log.ts';
import { DynamoSessionStore } from '../adapters/dynamodb/session-store.ts';
import { createSfnClient, SfnWorkflows } from '../adapters/step-functions/sfn-workflows.ts';
import { optionalEnv, requireEnv } from '../config.ts';

let stores: ReturnType<typeof createStores> | undefined;

function createStores() {
  const db = documentClient();
  const tableName = requireEnv('TABLE_NAME');
  return {
    db,
    tableName,
    sessions: new DynamoSessionStore(db, tableName),
    events: new DynamoSessionEventLog(db, tableName),
    costs: new DynamoCostLedger(db, tableName),
  };
}

export function sharedStores() {
  stores ??= createStores();
  return stores;
}

let workflows: SfnWorkflows | undefined;

export function sharedWorkflows(): SfnWorkflows {
  workflows ??= new SfnWorkflows(createSfnClient(), {
    provisioning: optionalEnv('PROVISIONING_STATE_MACHINE_ARN'),
    teardown: optionalEnv('TEARDOWN_STATE_MACHINE_ARN'),
  });
  return workflows;
}

export const systemClock = () => new Date();
export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
