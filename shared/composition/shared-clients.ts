// Clients and stores every function shares, created once per process (module scope), so warm invocations reuse
// their connections.
import { DynamoCostLedger } from '../adapters/dynamodb/cost-ledger.ts';
import { DynamoSessionEventLog } from '../adapters/dynamodb/session-event-log.ts';
import { DynamoSessionStore } from '../adapters/dynamodb/session-store/store.ts';
import { createSfnClient, SfnWorkflows } from '../adapters/step-functions/sfn-workflows.ts';
import { config } from '../config.ts';
import { PublishingEventLog } from '../use-cases/events/publishing-event-log.ts';
import { PublishingSessionStore } from '../use-cases/events/publishing-session-store.ts';
import { consumerEventsWired, sharedEventPublisher } from './consumer-events.ts';
import { documentClient } from './dynamodb.ts';
import { localEndpoint } from './endpoints.ts';

let stores: ReturnType<typeof createStores> | undefined;

function createStores() {
  const db = documentClient();
  const tableName = config().require('TABLE_NAME');
  const sessions = new DynamoSessionStore(db, tableName);
  const events = new DynamoSessionEventLog(db, tableName);
  // every status change and attempt failure, refund and retry goes through these two: consumers hear of each
  const publish = consumerEventsWired() ? sharedEventPublisher() : undefined;
  return {
    db,
    tableName,
    sessions: publish ? new PublishingSessionStore(sessions, publish, systemClock) : sessions,
    events: publish ? new PublishingEventLog(events, sessions, publish) : events,
    costs: new DynamoCostLedger(db, tableName),
  };
}

export function sharedStores() {
  stores ??= createStores();
  return stores;
}

let workflows: SfnWorkflows | undefined;

export function sharedWorkflows(): SfnWorkflows {
  workflows ??= new SfnWorkflows(createSfnClient(localEndpoint('SFN_ENDPOINT', 'us-east-1')), {
    provisioning: config().get('PROVISIONING_STATE_MACHINE_ARN'),
    teardown: config().get('TEARDOWN_STATE_MACHINE_ARN'),
  });
  return workflows;
}

export const systemClock = () => new Date();
export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
