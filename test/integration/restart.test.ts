// A crash loses nothing: `npm start` is stopped while one session is provisioning, one is stopping without its
// teardown execution, and one is pending without its provisioning execution (each as a crash between two writes would
// leave it); started again on the same DATA_DIR, it finishes all three — one instance per running session.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.ts';
import { readRuntimeFile } from '../../local/runtime-file.ts';
import type { ScenarioInput } from '../../local/sim/scenario.ts';
import type { SimInstanceView } from '../../local/sim/market.ts';
import { createDocumentClient } from '../../shared/composition/dynamodb.ts';
import { DynamoInventoryReader } from '../../shared/adapters/dynamodb/inventory-store.ts';
import { DynamoOfferHealthStore } from '../../shared/adapters/dynamodb/offer-health-store.ts';
import { DynamoSessionEventLog } from '../../shared/adapters/dynamodb/session-event-log.ts';
import { DynamoSessionStore } from '../../shared/adapters/dynamodb/session-store/store.ts';
import { LocalSecretCipher } from '../../shared/adapters/secrets/local-secret-cipher.ts';
import { generateSshKeyPair } from '../../shared/adapters/ssh/keys.ts';
import type { ExecutionInfo, Workflows } from '../../shared/ports/workflows.ts';
import { InventoryService } from '../../shared/use-cases/inventory-service.ts';
import { createSession } from '../../shared/use-cases/sessions/create-session.ts';
import { requestTeardown } from '../../shared/use-cases/teardown/request-teardown.ts';
import { waitFor } from '../sim/helpers.ts';
import { startLocalProcess } from '../support/local-process.ts';

const scenario: ScenarioInput = {
  vastai: {
    defaults: { boot_seconds: 1, ssh: 'ok' },
    hosts: { slowboot: { boot_seconds: 10 } },
    offers: [
      { gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US', count: 4 },
      { gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'Oregon, US', host: 'slowboot' },
    ],
  },
};

/** Workflows whose starts are lost: the process died right after the session was written. */
const lostStarts: Workflows = {
  executionArns: (id) => ({
    provisioning: `arn:aws:states:us-east-1:000000000000:execution:Provisioning:${id}`,
    teardown: `arn:aws:states:us-east-1:000000000000:execution:Teardown:${id}`,
  }),
  startProvisioning: async (id): Promise<ExecutionInfo> => ({ execution_arn: id, status: 'RUNNING' }),
  stopProvisioning: async () => undefined,
  describeProvisioning: async () => undefined,
  startTeardown: async (id): Promise<ExecutionInfo> => ({ execution_arn: id, status: 'RUNNING' }),
  describeTeardown: async () => undefined,
};

type Json = Record<string, unknown>;

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

describe('npm start after a crash', () => {
  it('resumes provisioning, pending and stopping sessions: each ends as it should, one instance per session', { timeout: 300_000 }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gs-restart-'));
    const scenarioFile = path.join(dataDir, '..', `${path.basename(dataDir)}-scenario.json`);
    writeFileSync(scenarioFile, JSON.stringify(scenario));
    const env = {
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      SIM_SCENARIO: scenarioFile,
      SSH_PROBE_INTERVAL_MS: '250',
      SSH_PROBE_TIMEOUT_MS: '1000',
      PROVIDER_CHECK_INTERVAL_MS: '1000',
      VERIFY_ROUND_SECONDS: '3',
      SSH_DEADLINE_SECONDS: '240',
      SIM_RATE_LIMIT_SCALE: '0.01',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      // only the sweep at start may find the sessions the "crash" left
      EXPIRY_SWEEP_SECONDS: '3600',
    };
    const session = async (url: string, id: string) => (await call('GET', `${url}/api/v1/sessions/${id}`)).body;
    const liveInstancesOf = async (id: string) => {
      const info = readRuntimeFile(dataDir)!;
      const res = await fetch(`${new URL(info.sim_env['VASTAI_API_URL']!).origin}/_sim/instances`);
      const { instances } = (await res.json()) as { instances: SimInstanceView[] };
      return instances.filter((i) => i.label.includes(id) && i.gone === null);
    };

    const first = await startLocalProcess(env, 120_000);
    let provisioningId = '';
    let stoppingId = '';
    let pendingId = '';
    try {
      const offers = await waitFor(async () => {
        const { body } = await call('GET', `${first.url}/api/v1/inventory?provider=vastai&sort=price`);
        const list = body['offers'] as { id: string; gpu_type: string }[];
        return list.length >= 5 ? list : undefined;
      }, 60_000);
      const offerOf = (gpu: string, pick = 0) => offers.filter((o) => o.gpu_type === gpu)[pick]!.id;
      const create = async (offerId: string) => {
        const res = await call('POST', `${first.url}/api/v1/sessions`, {
          consumer_id: `restart-${randomUUID().slice(0, 8)}`,
          offer_id: offerId,
          workload_type: 'llm',
          reservation_hours: 1,
          auto_retry: false,
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        return String((res.body['session'] as Json)['id']);
      };

      // stopping, but its teardown execution never started; pending, but its provisioning execution never started
      stoppingId = await create(offerOf('RTX 5060 Ti', 0));
      await waitFor(async () => (await session(first.url, stoppingId))['status'] === 'running', 60_000);
      const info = readRuntimeFile(dataDir)!;
      const db = createDocumentClient(info.dynamodb_endpoint);
      const sessions = new DynamoSessionStore(db, info.table_name);
      const events = new DynamoSessionEventLog(db, info.table_name);
      const twoMinutesAgo = () => new Date(Date.now() - 120_000);
      await requestTeardown({ sessions, events, workflows: lostStarts, clock: twoMinutesAgo }, stoppingId, 'deleted');
      const inventory = new InventoryService({
        snapshots: new DynamoInventoryReader(db, info.table_name),
        failures: new DynamoOfferHealthStore(db, info.table_name, { now: () => new Date() }),
        now: () => new Date(),
        maxAgeSeconds: 600,
      });
      const pending = await createSession(
        {
          sessions,
          events,
          inventory,
          workflows: lostStarts,
          cipher: LocalSecretCipher.inDataDir(dataDir),
          metrics: { add: () => undefined },
          clock: twoMinutesAgo,
          newId: randomUUID,
          generateKeyPair: generateSshKeyPair,
          hardMaxHours: 12,
        },
        {
          consumer_id: 'restart-pending',
          offer_id: offerOf('RTX 5060 Ti', 1),
          workload_type: 'llm',
          reservation_hours: 1,
          auto_retry: false,
          max_retries: 0,
          retry_scope: 'same_gpu',
        },
      );
      pendingId = pending.session.id;
      db.destroy();

      // provisioning when stopped: its instance exists, SSH is still booting
      provisioningId = await create(offerOf('RTX 4090'));
      await waitFor(async () => (await session(first.url, provisioningId))['phase'] === 'verifying_ssh', 60_000);
      expect(await session(first.url, provisioningId)).toMatchObject({ status: 'provisioning' });
      expect(await session(first.url, stoppingId)).toMatchObject({ status: 'stopping' });
      expect(await session(first.url, pendingId)).toMatchObject({ status: 'pending' });
    } finally {
      expect(await first.interrupt()).toBe(0);
    }

    const second = await startLocalProcess(env, 120_000);
    try {
      const settled = async (id: string, statuses: string[]) =>
        waitFor(async () => {
          const s = await session(second.url, id);
          return statuses.includes(String(s['status'])) ? s : undefined;
        }, 180_000);
      expect(await settled(provisioningId, ['running', 'failed', 'stopped'])).toMatchObject({ status: 'running' });
      expect(await settled(pendingId, ['running', 'failed', 'stopped'])).toMatchObject({ status: 'running' });
      expect(await settled(stoppingId, ['stopped', 'failed'])).toMatchObject({ status: 'stopped' });

      expect(await liveInstancesOf(provisioningId)).toHaveLength(1);
      expect(await liveInstancesOf(pendingId)).toHaveLength(1);
      expect(await liveInstancesOf(stoppingId)).toHaveLength(0);
      // the provisioning execution was resumed, not started twice
      const execution = (id: string) =>
        JSON.parse(readFileSync(path.join(dataDir, 'stepfunctions', `Provisioning.${id}.json`), 'utf8')) as {
          resumed: number;
          status: string;
        };
      for (const id of [provisioningId, pendingId]) {
        await waitFor(() => execution(id).status === 'SUCCEEDED', 30_000); // written just after the session
      }
      expect(execution(provisioningId).resumed).toBe(1);
      expect(execution(pendingId).resumed).toBe(0);
    } finally {
      expect(await second.interrupt()).toBe(0);
    }
  });
});
