// The reconciler with the real provider adapters over real HTTP against the simulated marketplaces: every TensorDock
// list envelope, server errors, and a page sequence that breaks off half-way.
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, type ScenarioInput } from '../../local/sim/scenario.ts';
import { startTensorDockSim, type TensorDockSim } from '../../local/sim/tensordock.ts';
import { startVastAiSim, type VastAiSim } from '../../local/sim/vastai.ts';
import { DynamoCostLedger } from '../../shared/adapters/dynamodb/cost-ledger.ts';
import { DynamoReconcilerMemory } from '../../shared/adapters/dynamodb/reconciler-memory.ts';
import { DynamoSessionEventLog } from '../../shared/adapters/dynamodb/session-event-log.ts';
import { DynamoSessionStore } from '../../shared/adapters/dynamodb/session-store/store.ts';
import { TokenBucket } from '../../shared/adapters/providers/rate-limiter.ts';
import { VastAiClient } from '../../shared/adapters/providers/vastai/client.ts';
import { formatLabel } from '../../shared/domain/instance.ts';
import type { ProviderName } from '../../shared/domain/offer.ts';
import { METRIC } from '../../shared/observability/metric-names.ts';
import type { ProviderClient } from '../../shared/ports/provider.ts';
import type { ReconcileDeps } from '../../shared/use-cases/reconcile/deps.ts';
import { type ProviderReport, reconcile } from '../../shared/use-cases/reconcile/reconcile.ts';
import { keyPair, tensorDockClient, vastClient } from '../sim/helpers.ts';
import { FakeWorkflows } from '../support/provisioning-harness.ts';
import { RecordingMetricsSink } from '../support/recording-metrics.ts';
import { storeSession } from '../support/stored-session.ts';
import { freshTable } from '../support/table.ts';

const DEPLOYMENT = 'sim-deployment';
const GRACE_MS = 60_000;
const broker = keyPair();
const label = (sessionId: string = randomUUID(), deploymentId = DEPLOYMENT) => formatLabel({ deploymentId, sessionId, attempt: 1 });

const VAST_OFFERS: ScenarioInput['vastai'] = {
  offers: [{ gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'Oregon, US', count: 6, boot_seconds: 0.2 }],
};
const TD_OFFERS: ScenarioInput['tensordock'] = {
  ip_delay_seconds: 0.1,
  offers: [
    {
      gpu: 'NVIDIA L4 PCIe 24GB',
      vram_gb: 24,
      gpu_count: 8,
      price: 0.2,
      location: 'Chubbuck, Idaho, United States',
      boot_seconds: 0.2,
    },
  ],
};

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

async function vastSim(extra: ScenarioInput['vastai'] = {}, dataDir?: string): Promise<VastAiSim> {
  const sim = await startVastAiSim({ scenario: parseScenario({ vastai: { ...VAST_OFFERS, ...extra } }), dataDir });
  stops.push(() => sim.stop());
  return sim;
}

async function tensorDockSim(extra: ScenarioInput['tensordock'] = {}, dataDir?: string): Promise<TensorDockSim> {
  const sim = await startTensorDockSim({ scenario: parseScenario({ tensordock: { ...TD_OFFERS, ...extra } }), dataDir });
  stops.push(() => sim.stop());
  return sim;
}

/** The reconciler over these clients, on fresh tables, with a clock `ahead` ms in the future. */
async function reconciler(clients: ProviderClient[]) {
  const { db, tableName } = await freshTable('rec');
  const sessions = new DynamoSessionStore(db, tableName);
  const metrics = new RecordingMetricsSink();
  let ahead = 0;
  const deps: ReconcileDeps = {
    sessions,
    events: new DynamoSessionEventLog(db, tableName),
    costs: new DynamoCostLedger(db, tableName),
    workflows: new FakeWorkflows(),
    providers: {
      all: async () => clients,
      get: async (name) => clients.find((c) => c.name === name)!,
    },
    memory: new DynamoReconcilerMemory(db, tableName),
    metrics,
    clock: () => new Date(Date.now() + ahead),
    deploymentId: DEPLOYMENT,
    settings: { orphanGraceMs: GRACE_MS },
  };
  return {
    sessions,
    metrics,
    /** as if the instances made so far were older than the grace period */
    age: () => {
      ahead = 2 * GRACE_MS;
    },
    run: async (): Promise<Record<ProviderName, ProviderReport>> =>
      Object.fromEntries((await reconcile(deps)).providers.map((p) => [p.provider, p])) as Record<ProviderName, ProviderReport>,
  };
}

async function rent(client: ProviderClient, name: string): Promise<string> {
  const offers = await client.listOffers();
  const { instance_id } = await client.createInstance({
    offer: offers[0]!,
    label: name,
    disk_gb: 20,
    ssh_public_keys: [broker.public],
  });
  return instance_id;
}

const liveIds = (sim: VastAiSim | TensorDockSim) =>
  sim
    .instances()
    .filter((i) => i.gone === null)
    .map((i) => i.id)
    .sort();

describe('the reconciler against the simulated marketplaces', () => {
  it.each(['data_array', 'data_instances', 'jsonapi', 'jsonapi_list'] as const)(
    'understands the TensorDock %s list envelope: the orphan goes; the live session and foreign instances stay',
    async (envelope) => {
      const sim = await tensorDockSim({ list_envelope: envelope });
      const client = tensorDockClient(sim);
      const r = await reconciler([client]);
      const sessionId = randomUUID();
      const owned = await rent(client, label(sessionId));
      const [offer] = await client.listOffers();
      await storeSession(r.sessions, {
        id: sessionId,
        offer: offer!,
        status: 'running',
        attempts: [{ instance_id: owned, instance_created_at: new Date().toISOString() }],
      });
      const orphan = await rent(client, label());
      const foreign = [await rent(client, label(randomUUID(), 'other-deploy')), await rent(client, 'my-own-box')];
      r.age();

      const first = await r.run();
      expect(first.tensordock).toMatchObject({ listing: 'complete', listed: 4, ours: 2, ignored: 2, orphans_destroyed: 1 });
      expect(liveIds(sim)).toEqual([owned, ...foreign].sort());
      expect(sim.instances().find((i) => i.id === orphan)?.gone).toBe('destroyed');
      // the live session's instance is recognised in this envelope too: listing after listing, never a miss
      for (let i = 0; i < 2; i++) expect((await r.run()).tensordock).toMatchObject({ ghost_misses: 0, ghosts_found: 0 });
      expect((await r.sessions.get(sessionId))?.status).toBe('running');
    },
  );

  it('a provider answering its listing with server errors is left as it is; the other provider is reconciled', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gs-rec-'));
    const healthy = await tensorDockSim({}, dataDir);
    const tdOrphan = await rent(tensorDockClient(healthy), label());
    await healthy.stop();
    // the same marketplace (its state kept on disk), now failing every request
    const broken = await tensorDockSim({ server_error_probability: 1 }, dataDir);
    const vast = await vastSim();
    const vastOrphan = await rent(vastClient(vast), label());
    const r = await reconciler([vastClient(vast), tensorDockClient(broken)]);
    r.age();

    const report = await r.run();
    expect(report.tensordock).toMatchObject({ listing: 'failed', orphans_found: 0 });
    expect(report.tensordock.error).toMatch(/tensordock/i);
    expect(report.vastai).toMatchObject({ listing: 'complete', orphans_destroyed: 1 });
    expect(liveIds(broken)).toEqual([tdOrphan]);
    expect(liveIds(vast)).not.toContain(vastOrphan);
    expect(r.metrics.count(METRIC.ReconcileListingFailures, { provider: 'tensordock' })).toBe(1);
  });

  it('a Vast.ai page sequence that breaks off after the first page changes nothing', async () => {
    const sim = await vastSim({ page_size: 1 });
    const orphans = [await rent(vastClient(sim), label()), await rent(vastClient(sim), label()), await rent(vastClient(sim), label())];
    // in front of the marketplace: every page after the first answers 502
    let breakPages = true;
    const origin = new URL(sim.url).origin;
    const proxy = http.createServer(async (req, res) => {
      if (breakPages && req.url?.includes('after_token')) {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
        return;
      }
      const body = await new Promise<Buffer>((resolve) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
      });
      const upstream = await fetch(`${origin}${req.url}`, {
        method: req.method,
        headers: { authorization: String(req.headers['authorization'] ?? ''), 'content-type': 'application/json' },
        body: body.length > 0 ? body : undefined,
      });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    const proxied = new VastAiClient({
      apiKey: sim.apiKey,
      baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/api/v0`,
      limiter: new TokenBucket({ ratePerSecond: 1000, burst: 1000 }),
      http: { sleep: async () => undefined },
    });
    const r = await reconciler([proxied]);
    r.age();

    expect((await r.run()).vastai).toMatchObject({ listing: 'failed', orphans_found: 0 });
    expect(liveIds(sim)).toEqual([...orphans].sort());

    breakPages = false;
    expect((await r.run()).vastai).toMatchObject({ listing: 'complete', listed: 3, orphans_destroyed: 3 });
    expect(liveIds(sim)).toEqual([]);
  });
});
