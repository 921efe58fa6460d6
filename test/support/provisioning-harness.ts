// Provisioning use cases wired to fakes of the outside world (providers, SSH, inventory, cipher) on a virtual clock,
// over in-memory stores (provisioningHarness: the unit tier, no Java) or DynamoDB Local (dynamoProvisioningHarness,
// for tests that also use other tables' stores). test/contracts holds the two kinds of store to the same behaviour.
import { randomUUID } from 'node:crypto';
import { DynamoConsumerSettingsStore } from '../../shared/adapters/dynamodb/consumer-settings-store.ts';
import { DynamoCostLedger } from '../../shared/adapters/dynamodb/cost-ledger.ts';
import { DynamoSessionEventLog } from '../../shared/adapters/dynamodb/session-event-log.ts';
import { DynamoSessionStore } from '../../shared/adapters/dynamodb/session-store/store.ts';
import { DynamoVerificationHistory } from '../../shared/adapters/dynamodb/verification-history.ts';
import type { Offer } from '../../shared/domain/offer.ts';
import type { SshKeyPair } from '../../shared/ports/ssh-prober.ts';
import { type ExecutionInfo, type ExecutionStatus, teardownExecutionName, type Workflows } from '../../shared/ports/workflows.ts';
import { DEFAULT_PROVISIONING_SETTINGS, type ProvisioningDeps } from '../../shared/use-cases/provisioning/deps.ts';
import type { CreateSessionDeps, CreateSessionRequest } from '../../shared/use-cases/sessions/create-session.ts';
import type { TeardownDeps } from '../../shared/use-cases/teardown/deps.ts';
import { fakeCipher } from '../fakes/fake-cipher.ts';
import { FakeInventory } from '../fakes/fake-inventory.ts';
import { type ApiProbeScript, FakeApiProber } from '../fakes/fake-api-prober.ts';
import { FakeProber, type ProbeScript } from '../fakes/fake-prober.ts';
import { FakeProvider, FakeRegistry } from '../fakes/fake-provider.ts';
import { VirtualClock } from '../fakes/virtual-clock.ts';
import { RecordingMetricsSink } from './recording-metrics.ts';
import { freshTable } from './table.ts';
import { MemoryConsumerSettingsStore } from '../fakes/memory-consumer-settings.ts';
import { MemoryCostLedger } from '../fakes/memory-cost-ledger.ts';
import { MemorySessionEventLog } from '../fakes/memory-session-event-log.ts';
import { MemorySessionStore } from '../fakes/memory-session-store.ts';
import { MemoryVerificationHistory } from '../fakes/memory-verification-history.ts';
import type { ConsumerSettingsStore } from '../../shared/ports/consumer-settings.ts';
import type { CostLedger } from '../../shared/ports/cost-ledger.ts';
import type { SessionEventLog } from '../../shared/ports/session-events.ts';
import type { SessionStore } from '../../shared/ports/session-store.ts';
import type { VerificationHistory } from '../../shared/ports/verification-history.ts';

export class FakeWorkflows implements Workflows {
  started: string[] = [];
  executionArns(sessionId: string, teardownRun = 0) {
    return {
      provisioning: `arn:aws:states:us-east-1:0:execution:Provisioning:${sessionId}`,
      teardown: `arn:aws:states:us-east-1:0:execution:Teardown:${teardownExecutionName(sessionId, teardownRun)}`,
    };
  }
  stopped: string[] = [];
  fail = false;
  async startProvisioning(sessionId: string): Promise<ExecutionInfo> {
    if (this.fail) throw new Error('StartExecution failed');
    if (!this.started.includes(sessionId)) this.started.push(sessionId);
    return { execution_arn: `arn:aws:states:us-east-1:0:execution:Provisioning:${sessionId}`, status: 'RUNNING' };
  }
  async stopProvisioning(sessionId: string): Promise<void> {
    this.stopped.push(sessionId);
  }
  async describeProvisioning(sessionId: string): Promise<ExecutionInfo | undefined> {
    return this.started.includes(sessionId)
      ? { execution_arn: `arn:aws:states:us-east-1:0:execution:Provisioning:${sessionId}`, status: 'RUNNING' }
      : undefined;
  }
  /** teardown execution names started (run 0 is the session id itself) */
  teardowns: string[] = [];
  /** the status a teardown execution (by name) reports: RUNNING unless set */
  teardownStatus = new Map<string, ExecutionStatus>();
  async startTeardown(sessionId: string, run = 0): Promise<ExecutionInfo> {
    const name = teardownExecutionName(sessionId, run);
    if (!this.teardowns.includes(name)) this.teardowns.push(name);
    return { execution_arn: this.executionArns(sessionId, run).teardown, status: this.teardownStatus.get(name) ?? 'RUNNING' };
  }
  async describeTeardown(sessionId: string, run = 0): Promise<ExecutionInfo | undefined> {
    const name = teardownExecutionName(sessionId, run);
    return this.teardowns.includes(name)
      ? { execution_arn: this.executionArns(sessionId, run).teardown, status: this.teardownStatus.get(name) ?? 'RUNNING' }
      : undefined;
  }
}

let keyCounter = 0;
export function fakeKeyPair(comment: string): SshKeyPair {
  keyCounter += 1;
  return {
    private_key: `-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE${keyCounter}\n-----END OPENSSH PRIVATE KEY-----\n`,
    public_key: `ssh-ed25519 AAAAFAKE${keyCounter} ${comment}`,
    fingerprint: `SHA256:fake${keyCounter}`,
  };
}

type HarnessOptions = { offers?: Offer[]; probe?: ProbeScript; apiProbe?: ApiProbeScript };

interface HarnessStores {
  sessions: SessionStore;
  events: SessionEventLog;
  costs: CostLedger;
  history: VerificationHistory;
  consumerSettings: ConsumerSettingsStore;
}

export async function provisioningHarness(options: HarnessOptions = {}) {
  return harness(options, {
    sessions: new MemorySessionStore(),
    events: new MemorySessionEventLog(),
    costs: new MemoryCostLedger(),
    history: new MemoryVerificationHistory(),
    consumerSettings: new MemoryConsumerSettingsStore(),
  });
}

export async function dynamoProvisioningHarness(options: HarnessOptions = {}) {
  const { db, tableName } = await freshTable('prov');
  const stores = {
    sessions: new DynamoSessionStore(db, tableName),
    events: new DynamoSessionEventLog(db, tableName),
    costs: new DynamoCostLedger(db, tableName),
    history: new DynamoVerificationHistory(db, tableName),
    consumerSettings: new DynamoConsumerSettingsStore(db, tableName),
  };
  return { ...harness(options, stores), db, tableName };
}

function harness(options: HarnessOptions, stores: HarnessStores) {
  const { sessions, events, costs, history } = stores;
  const clock = new VirtualClock();
  const vast = new FakeProvider('vastai', clock.now);
  const tensordock = new FakeProvider('tensordock', clock.now);
  const inventory = new FakeInventory().add(...(options.offers ?? []));
  const prober = new FakeProber(options.probe ?? (() => 'refused'), clock.now);
  const apiProber = new FakeApiProber(options.apiProbe ?? (() => 'refused'), clock.now);
  const metrics = new RecordingMetricsSink();
  const workflows = new FakeWorkflows();
  const deps: ProvisioningDeps = {
    sessions,
    events,
    providers: new FakeRegistry([vast, tensordock]),
    prober,
    apiProber,
    cipher: fakeCipher,
    costs,
    inventory,
    offerHealth: inventory,
    history,
    metrics,
    clock: clock.now,
    sleep: clock.sleep,
    deploymentId: 'test-deployment',
    settings: { ...DEFAULT_PROVISIONING_SETTINGS },
  };
  const createDeps: CreateSessionDeps & { consumerSettings: ConsumerSettingsStore } = {
    sessions,
    events,
    inventory,
    workflows,
    cipher: fakeCipher,
    metrics,
    clock: clock.now,
    newId: randomUUID,
    generateKeyPair: fakeKeyPair,
    hardMaxHours: 12,
    consumerSettings: stores.consumerSettings,
  };
  const request = (over: Partial<CreateSessionRequest> = {}): CreateSessionRequest => ({
    consumer_id: 'team-a',
    offer_id: options.offers?.[0]?.id ?? 'vastai-1',
    workload_type: 'llm',
    reservation_hours: 1,
    auto_retry: true,
    max_retries: 3,
    retry_scope: 'same_gpu',
    ...over,
  });
  const teardownDeps: TeardownDeps = {
    sessions,
    events,
    workflows,
    providers: deps.providers,
    costs,
    metrics,
    clock: clock.now,
    deploymentId: deps.deploymentId,
    createListLagMs: deps.settings.createListLagMs,
  };
  return {
    deps,
    createDeps,
    teardownDeps,
    clock,
    vast,
    tensordock,
    inventory,
    prober,
    apiProber,
    metrics,
    sessions,
    events,
    costs,
    workflows,
    request,
  };
}
