// The reconciler end to end: the Reconcile function of the local runtime against the simulated marketplaces, with
// sessions made through the API and instances made behind the broker's back, on a grace period of a few seconds.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../local/sim/scenario.ts';
import { createDocumentClient } from '../../shared/composition/dynamodb.ts';
import { DynamoSessionStore } from '../../shared/adapters/dynamodb/session-store/store.ts';
import { formatLabel } from '../../shared/domain/instance.ts';
import type { ProviderName } from '../../shared/domain/offer.ts';
import type { ProviderClient } from '../../shared/ports/provider.ts';
import type { CleanupResult } from '../../shared/use-cases/reconcile/cleanup-orphans.ts';
import type { ProviderReport, ReconcileReport } from '../../shared/use-cases/reconcile/reconcile.ts';
import { keyPair, tensorDockClient, vastClient, waitFor } from '../sim/helpers.ts';
import { type Harness, startHarness } from '../support/runtime-harness.ts';
import { storeSession } from '../support/stored-session.ts';

const GRACE_SECONDS = 6;
const DEPLOYMENT = 'test-deployment'; // the harness's
const broker = keyPair();

const scenario: ScenarioInput = {
  vastai: {
    defaults: { boot_seconds: 1, ssh: 'ok' },
    hosts: { slow: { boot_seconds: 120 } },
    offers: [
      { gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US', count: 12 },
      { gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'Oregon, US', host: 'slow' },
    ],
  },
  tensordock: {
    defaults: { boot_seconds: 1 },
    ip_delay_seconds: 0.2,
    offers: [
      { gpu: 'NVIDIA L4 PCIe 24GB', vram_gb: 24, gpu_count: 8, price: 0.2, location: 'Chubbuck, Idaho, United States' },
    ],
  },
};

let h: Harness;
/** EMF lines the functions wrote (captured, not printed) */
const emf: Record<string, unknown>[] = [];
let restoreStdout: () => void;

beforeAll(async () => {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = String(chunk);
    if (!text.includes('"_aws"')) return (write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
    for (const line of text.split('\n').filter(Boolean)) emf.push(JSON.parse(line));
    return true;
  }) as typeof process.stdout.write;
  restoreStdout = () => {
    process.stdout.write = write;
  };
  h = await startHarness(scenario, { ORPHAN_GRACE_SECONDS: String(GRACE_SECONDS), SSH_DEADLINE_SECONDS: '300' });
});

afterAll(async () => {
  restoreStdout?.();
  await h?.stop();
});

/** the metric with exactly these dimensions besides `service` (what an alarm on it watches) */
const emitted = (name: string, dimensions: string[] = []) =>
  emf
    .filter((m) => {
      const meta = (m['_aws'] as { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] })
        .CloudWatchMetrics[0]!;
      return meta.Metrics.some((x) => x.Name === name) && meta.Dimensions[0]!.join() === ['service', ...dimensions].join();
    })
    .reduce((n, m) => n + Number(m[name]), 0);

const label = (sessionId: string = randomUUID(), deploymentId = DEPLOYMENT) => formatLabel({ deploymentId, sessionId, attempt: 1 });
const vast = () => vastClient(h.runtime.sims.vastai!);
const tensordock = () => tensorDockClient(h.runtime.sims.tensordock!);

async function rent(client: ProviderClient, name: string, pick = 0): Promise<string> {
  const offers = await client.listOffers();
  const { instance_id } = await client.createInstance({
    offer: offers[pick]!,
    label: name,
    disk_gb: 20,
    ssh_public_keys: [broker.public],
  });
  return instance_id;
}

async function reconcileNow(): Promise<Record<ProviderName, ProviderReport>> {
  const report = await h.runtime.lambdas.invoke<ReconcileReport>('Reconcile', { source: 'aws.events', detail: {} });
  return Object.fromEntries(report.providers.map((p) => [p.provider, p])) as Record<ProviderName, ProviderReport>;
}

const simInstance = (provider: ProviderName, id: string) =>
  h.runtime.sims[provider]!.instances().find((i) => i.id === id)!;
const isLive = (provider: ProviderName, id: string) => simInstance(provider, id)?.gone === null;

/** Resolves once every listed instance is older than the grace period. */
async function outliveGrace(instances: [ProviderName, string][]): Promise<void> {
  const oldest = Math.max(...instances.map(([p, id]) => Date.parse(simInstance(p, id).created_at)));
  const wait = oldest + GRACE_SECONDS * 1000 + 100 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

async function createSession(offerQuery: string): Promise<string> {
  const { body: inventory } = await h.api<{ offers: { id: string }[] }>('GET', `/api/v1/inventory?${offerQuery}&sort=price`);
  const res = await h.api<{ session: { id: string } }>('POST', '/api/v1/sessions', {
    consumer_id: `rec-${randomUUID().slice(0, 8)}`,
    offer_id: inventory.offers[0]!.id,
    workload_type: 'llm',
    reservation_hours: 1,
    auto_retry: false,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.session.id;
}

describe('reconciler in the local runtime', () => {
  it('destroys orphans on both marketplaces after the grace period, not before, and never touches anyone else’s', { timeout: 120_000 }, async () => {
    const foreign: [ProviderName, string][] = [
      ['vastai', await rent(vast(), label(randomUUID(), 'other-deploy'))],
      ['vastai', await rent(vast(), '')],
      ['vastai', await rent(vast(), `shopper-${randomUUID()}`)],
      ['tensordock', await rent(tensordock(), 'my-own-box')],
      ['tensordock', await rent(tensordock(), label(randomUUID(), 'test-deployment-2'))],
    ];
    // made last, looked at at once: well inside the grace period
    const orphans: [ProviderName, string][] = [
      ['vastai', await rent(vast(), label())],
      ['tensordock', await rent(tensordock(), label())],
    ];

    const early = await reconcileNow();
    const checkedAt = Date.now();
    for (const [provider, id] of orphans) {
      expect(checkedAt - Date.parse(simInstance(provider, id).created_at)).toBeLessThan(GRACE_SECONDS * 1000);
      expect(isLive(provider, id)).toBe(true);
    }
    expect(early.vastai.unowned_in_grace + early.tensordock.unowned_in_grace).toBeGreaterThanOrEqual(2);
    expect(early.vastai.orphans_found + early.tensordock.orphans_found).toBe(0);

    await outliveGrace([...orphans, ...foreign]);
    const due = await reconcileNow();
    expect(due.vastai).toMatchObject({ listing: 'complete', orphans_destroyed: 1, orphans_pending: 0 });
    expect(due.tensordock).toMatchObject({ listing: 'complete', orphans_destroyed: 1, orphans_pending: 0 });
    for (const [provider, id] of orphans) {
      const gone = simInstance(provider, id);
      expect(gone.gone).toBe('destroyed');
      expect(Date.parse(gone.destroyed_at!) - Date.parse(gone.created_at)).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000);
    }
    await reconcileNow();
    for (const [provider, id] of foreign) expect(isLive(provider, id), `${provider} ${id}`).toBe(true);
    // the aggregate the OrphansFound alarm watches, and the per-provider detail
    expect(emitted('OrphansFound')).toBe(2);
    expect(emitted('OrphansFound', ['provider'])).toBe(2);
    expect(emitted('OrphansDestroyed')).toBe(2);
  });

  it('keeps the instance of a provisioning session, and of one whose create is still in flight', { timeout: 120_000 }, async () => {
    // a real session on a host that takes minutes to boot
    const provisioning = await createSession('provider=vastai&gpu_type=RTX%204090');
    const booting = await waitFor(async () => {
      const { body } = await h.api<{ status: string; attempts: { instance_id?: string }[] }>(
        'GET',
        `/api/v1/sessions/${provisioning}`,
      );
      return body.attempts[0]?.instance_id;
    }, 60_000);
    // a session whose CreateInstance called the provider, which made the instance, but has not recorded it yet
    const sessions = new DynamoSessionStore(createDocumentClient(h.runtime.dynamoDbEndpoint), h.runtime.tableName);
    const [offer] = await tensordock().listOffers();
    const inFlight = await storeSession(sessions, {
      offer: offer!,
      status: 'provisioning',
      attempts: [{ create_started_at: new Date().toISOString() }],
    });
    const made = await rent(tensordock(), label(inFlight.id));

    await outliveGrace([
      ['vastai', booting],
      ['tensordock', made],
    ]);
    const report = await reconcileNow();
    expect(report.vastai.orphans_found + report.tensordock.orphans_found).toBe(0);
    expect(isLive('vastai', booting)).toBe(true);
    expect(isLive('tensordock', made)).toBe(true);
    const { body } = await h.api<{ status: string }>('GET', `/api/v1/sessions/${provisioning}`);
    expect(body.status).toBe('provisioning');
    expect((await h.api('DELETE', `/api/v1/sessions/${provisioning}`)).status).toBe(202);
    await h.waitFor(provisioning, ['stopped']);
  });

  it('ends a running session whose instance vanished failed (instance_vanished) after two complete listings, leaving nothing', { timeout: 120_000 }, async () => {
    const id = await createSession('provider=vastai&gpu_type=RTX%205060%20Ti');
    const running = await h.waitFor(id, ['running']);
    const instanceId = String((running['attempts'] as { instance_id: string }[])[0]!.instance_id);
    await outliveGrace([['vastai', instanceId]]);
    expect(h.runtime.sims.vastai!.market.vanish(instanceId)).toBe(true);

    const first = await reconcileNow();
    expect(first.vastai).toMatchObject({ listing: 'complete', ghost_misses: 1, ghosts_found: 0 });
    expect((await h.api<{ status: string }>('GET', `/api/v1/sessions/${id}`)).body.status).toBe('running');

    const second = await reconcileNow();
    expect(second.vastai).toMatchObject({ ghosts_found: 1 });
    const ended = await h.waitFor(id, ['failed', 'stopped']);
    expect(ended).toMatchObject({ status: 'failed', error_type: 'instance_vanished', ended_reason: 'ghost' });
    const { body: costs } = await h.api<{ breakdown: { open: boolean }[] }>('GET', `/api/v1/costs?session_id=${id}`);
    expect(costs.breakdown.every((c) => !c.open)).toBe(true);
    expect(h.runtime.sims.vastai!.instances().filter((i) => i.label.includes(id) && i.gone === null)).toEqual([]);
    const { body: events } = await h.api<{ events: { type: string; kind?: string }[] }>('GET', `/api/v1/sessions/${id}/events`);
    expect(events.events.some((e) => e.type === 'reconciled' && e.kind === 'ghost')).toBe(true);
  });

  it('`npm run ops -- cleanup-orphans` lists only this deployment’s unowned instances, and destroys them only with --execute', { timeout: 120_000 }, async () => {
    const orphan = await rent(vast(), label());
    const foreign = [await rent(vast(), label(randomUUID(), 'other-deploy')), await rent(tensordock(), 'my-own-box')];
    const id = await createSession('provider=vastai&gpu_type=RTX%205060%20Ti');
    const running = await h.waitFor(id, ['running']);
    const owned = String((running['attempts'] as { instance_id: string }[])[0]!.instance_id);

    // a user's shell: nothing but the runtime's DATA_DIR (it finds the rest in DATA_DIR/runtime.json)
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !/^(TABLE_NAME|DYNAMODB_ENDPOINT|DEPLOYMENT_ID|GPU_SHOPPER_LOCAL|VASTAI_|TENSORDOCK_|ORPHAN_GRACE)/.test(k),
      ),
    );
    const root = path.resolve(import.meta.dirname, '../..');
    const ops = async (...args: string[]) => {
      const { stdout } = await promisify(execFile)(
        path.join(root, 'node_modules/.bin/tsx'),
        ['bin/ops.ts', 'cleanup-orphans', '--data-dir', h.runtime.dataDir, '--json', ...args],
        { cwd: root, env: { ...env, ORPHAN_GRACE_SECONDS: '3600' }, timeout: 120_000 },
      );
      return JSON.parse(stdout) as CleanupResult;
    };

    const listed = await ops();
    expect(listed).toMatchObject({ deployment_id: DEPLOYMENT, executed: false, listing_failures: [] });
    expect(listed.orphans.map((o) => o.instance_id)).toContain(orphan);
    for (const row of listed.orphans) expect(row.label.startsWith(`gs-${DEPLOYMENT}-`), row.label).toBe(true);
    for (const other of [...foreign, owned]) expect(listed.orphans.map((o) => o.instance_id)).not.toContain(other);
    expect(listed.orphans.find((o) => o.instance_id === orphan)).toMatchObject({
      provider: 'vastai',
      reason: 'no_session',
      action: 'listed',
      price_per_hour: expect.any(Number),
      age_seconds: expect.any(Number),
    });
    expect(isLive('vastai', orphan)).toBe(true);

    // younger than the minimum age (ORPHAN_GRACE_SECONDS): kept even with --execute
    const young = await ops('--execute');
    expect(young.orphans.find((o) => o.instance_id === orphan)?.action).toBe('kept_too_young');
    expect(isLive('vastai', orphan)).toBe(true);

    const executed = await ops('--execute', '--min-age-seconds', '0');
    expect(executed.orphans.find((o) => o.instance_id === orphan)?.action).toBe('destroyed');
    expect(simInstance('vastai', orphan).gone).toBe('destroyed');
    for (const [provider, other] of [
      ['vastai', foreign[0]!],
      ['tensordock', foreign[1]!],
      ['vastai', owned],
    ] as [ProviderName, string][]) {
      expect(isLive(provider, other), other).toBe(true);
    }
    expect((await h.api<{ status: string }>('GET', `/api/v1/sessions/${id}`)).body.status).toBe('running');
  });
});
