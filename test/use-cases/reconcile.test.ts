// The reconciler's rules on a virtual clock: real DynamoDB Local stores, scripted marketplaces behind the provider
// port (wrapped to fail listings or hide creation times on demand).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DynamoReconcilerMemory } from '../../shared/adapters/dynamodb/reconciler-memory.ts';
import { formatLabel, type Instance } from '../../shared/domain/instance.ts';
import type { Offer, ProviderName } from '../../shared/domain/offer.ts';
import { InstanceNotFoundError, ProviderUnavailableError } from '../../shared/domain/provider-errors.ts';
import { METRIC } from '../../shared/observability/metric-names.ts';
import type { CreateInstanceRequest, ProviderClient, ProviderRegistry } from '../../shared/ports/provider.ts';
import { beginProvisioning } from '../../shared/use-cases/provisioning/begin-provisioning.ts';
import { createInstance } from '../../shared/use-cases/provisioning/create-instance.ts';
import { verifySsh } from '../../shared/use-cases/provisioning/verify-ssh.ts';
import type { ReconcileDeps } from '../../shared/use-cases/reconcile/deps.ts';
import { type ProviderReport, reconcile } from '../../shared/use-cases/reconcile/reconcile.ts';
import { createSession } from '../../shared/use-cases/sessions/create-session.ts';
import { requestTeardown } from '../../shared/use-cases/teardown/request-teardown.ts';
import { closeSession, destroySessionInstances, stopProvisioning } from '../../shared/use-cases/teardown/teardown-steps.ts';
import { offer } from '../fakes/fake-inventory.ts';
import type { FakeProvider } from '../fakes/fake-provider.ts';
import { dynamoProvisioningHarness } from '../support/provisioning-harness.ts';

const DEPLOYMENT = 'test-deployment';
const GRACE_MS = 600_000;
const VAST_OFFER = offer({ id: 'vastai-301', price_per_hour: 0.4 });
const TD_LOCATION = '0b4e1e81-3e3a-4f2c-89c2-e4c935e53605';
const TD_OFFER = offer({
  id: `tensordock-${TD_LOCATION}-l4-pcie-24gb`,
  provider: 'tensordock',
  provider_offer_id: `${TD_LOCATION}/l4-pcie-24gb`,
  gpu_type: 'L4',
});

/** The provider port around a scripted marketplace, with a listing that can be made to fail or to omit creation times. */
class Wrapped implements ProviderClient {
  listingError?: Error;
  hideCreatedAt = false;
  constructor(readonly inner: FakeProvider) {}
  get name(): ProviderName {
    return this.inner.name;
  }
  listOffers() {
    return this.inner.listOffers();
  }
  createInstance(req: CreateInstanceRequest) {
    return this.inner.createInstance(req);
  }
  getInstance(id: string) {
    return this.inner.getInstance(id);
  }
  async listInstances(): Promise<Instance[]> {
    if (this.listingError) throw this.listingError;
    const list = await this.inner.listInstances();
    return this.hideCreatedAt ? list.map(({ created_at: _c, ...rest }) => rest) : list;
  }
  destroyInstance(id: string) {
    return this.inner.destroyInstance(id);
  }
}

async function setup() {
  const h = await dynamoProvisioningHarness({ offers: [VAST_OFFER, TD_OFFER] });
  const vast = new Wrapped(h.vast);
  const tensordock = new Wrapped(h.tensordock);
  const registry: ProviderRegistry = {
    all: async () => [vast, tensordock],
    get: async (name) => (name === 'vastai' ? vast : tensordock),
  };
  const memory = new DynamoReconcilerMemory(h.db, h.tableName);
  const deps: ReconcileDeps = {
    sessions: h.sessions,
    events: h.events,
    costs: h.costs,
    workflows: h.workflows,
    providers: registry,
    memory,
    metrics: h.metrics,
    clock: h.clock.now,
    deploymentId: DEPLOYMENT,
    settings: { orphanGraceMs: GRACE_MS },
  };
  const run = async (): Promise<Record<ProviderName, ProviderReport>> => {
    const report = await reconcile(deps);
    return Object.fromEntries(report.providers.map((p) => [p.provider, p])) as Record<ProviderName, ProviderReport>;
  };
  /** an instance made at the provider directly, with any label */
  const rent = async (fake: FakeProvider, label: string, of: Offer = fake.name === 'vastai' ? VAST_OFFER : TD_OFFER) =>
    (await fake.createInstance({ offer: of, label, disk_gb: 20, ssh_public_keys: [] })).instance_id;
  const alive = (fake: FakeProvider, id: string) => fake.alive().some((i) => i.id === id);
  let consumers = 0;
  /** a session that reached running on the offer (its instance created now) */
  const runningSession = async (of: Offer = VAST_OFFER) => {
    const fake = of.provider === 'vastai' ? h.vast : h.tensordock;
    consumers += 1;
    const { session } = await createSession(h.createDeps, h.request({ offer_id: of.id, consumer_id: `c${consumers}` }));
    const state = await beginProvisioning(h.deps, { session_id: session.id });
    await createInstance(h.deps, state);
    const stored = await h.sessions.get(session.id);
    const instanceId = stored!.attempts[0]!.instance_id!;
    fake.setStatus(instanceId, 'running', 'running');
    h.prober.script = () => 'ok';
    for (let i = 0; i < 20 && !(await verifySsh(h.deps, state)).ready; i++) await h.clock.sleep(1000);
    expect((await h.sessions.get(session.id))?.status).toBe('running');
    return { id: session.id, instanceId };
  };
  const label = (sessionId: string = randomUUID(), attempt = 1, deploymentId = DEPLOYMENT) =>
    formatLabel({ deploymentId, sessionId, attempt });
  return { h, deps, vast, tensordock, memory, run, rent, alive, runningSession, label };
}

describe('reconciler: orphans', () => {
  it('destroys an orphan once it is older than the grace period, not before, and confirms it gone', async () => {
    const { h, run, rent, alive, label } = await setup();
    const id = await rent(h.vast, label());
    h.clock.advance(GRACE_MS - 1000);
    const early = await run();
    expect(early.vastai).toMatchObject({ listing: 'complete', ours: 1, unowned_in_grace: 1, orphans_found: 0 });
    expect(alive(h.vast, id)).toBe(true);

    h.clock.advance(1000);
    const due = await run();
    expect(due.vastai).toMatchObject({ orphans_found: 1, orphans_destroyed: 1, orphans_pending: 0 });
    expect(alive(h.vast, id)).toBe(false);
    // destroyed, then confirmed with the provider
    expect(h.vast.calls.slice(h.vast.calls.indexOf(`destroy:${id}`))).toContain(`get:${id}`);
    expect(h.metrics.count(METRIC.OrphansFound, { provider: 'vastai' })).toBe(1);
    expect(h.metrics.count(METRIC.OrphansDestroyed, { provider: 'vastai' })).toBe(1);

    const after = await run();
    expect(after.vastai).toMatchObject({ ours: 0, orphans_found: 0 });
  });

  it('reports an orphan the provider is slow to confirm gone as pending, without failing the run', async () => {
    const { h, run, rent, alive, label } = await setup();
    h.vast.lingerAfterDestroy = 1;
    const id = await rent(h.vast, label());
    h.clock.advance(GRACE_MS);
    const first = await run();
    expect(first.vastai).toMatchObject({ orphans_found: 1, orphans_destroyed: 0, orphans_pending: 1 });
    const second = await run();
    // the listing no longer shows it, and the provider no longer knows it
    expect(second.vastai).toMatchObject({ orphans_found: 0, orphans_pending: 0 });
    expect(alive(h.vast, id)).toBe(false);
  });

  it("never touches another deployment's, unlabelled or old-system instances, however old", async () => {
    const { h, run, rent, alive, label } = await setup();
    const foreign = [
      await rent(h.vast, label(randomUUID(), 1, 'test-deployment-2')), // ours is a prefix of theirs
      await rent(h.vast, label(randomUUID(), 1, 'test')), // theirs is a prefix of ours
      await rent(h.vast, label(randomUUID(), 1, 'prod-eu')),
      await rent(h.vast, ''),
      await rent(h.vast, `shopper-${randomUUID()}`),
      await rent(h.vast, 'my-own-box'),
      await rent(h.tensordock, `gs-${DEPLOYMENT}-not-a-session-1`),
    ];
    h.clock.advance(100 * GRACE_MS);
    const report = await run();
    expect(report.vastai).toMatchObject({ listed: 6, ours: 0, ignored: 6, orphans_found: 0 });
    expect(report.tensordock).toMatchObject({ listed: 1, ours: 0, ignored: 1, orphans_found: 0 });
    for (const id of foreign) expect(alive(h.vast, id) || alive(h.tensordock, id)).toBe(true);
    expect(h.vast.calls.filter((c) => c.startsWith('destroy:') || c.startsWith('get:'))).toEqual([]);
    expect(h.metrics.count(METRIC.ReconcileInstancesIgnored, { provider: 'vastai' })).toBe(6);
  });

  it('keeps the instance of a session whose create is in flight, however long the create takes', async () => {
    const { h, run, rent, alive, label } = await setup();
    const { session } = await createSession(h.createDeps, h.request({ offer_id: VAST_OFFER.id }));
    await beginProvisioning(h.deps, { session_id: session.id });
    // CreateInstance marked the attempt and called the provider, which made the instance; no answer yet
    await h.sessions.apply(session.id, (s) => ({
      attempts: s.attempts.map((a) => ({ ...a, create_started_at: h.clock.now().toISOString() })),
    }));
    const id = await rent(h.vast, label(session.id, 1));
    h.clock.advance(3 * GRACE_MS);
    const report = await run();
    expect(report.vastai).toMatchObject({ ours: 1, unowned_in_grace: 0, orphans_found: 0 });
    expect(alive(h.vast, id)).toBe(true);
  });

  it('keeps the instances of pending, provisioning, running and stopping sessions', async () => {
    const { h, run, alive, runningSession } = await setup();
    const running = await runningSession();
    const stopping = await runningSession();
    await requestTeardown(h.teardownDeps, stopping.id, 'deleted');
    h.clock.advance(3 * GRACE_MS);
    const report = await run();
    expect(report.vastai).toMatchObject({ ours: 2, orphans_found: 0, unowned_in_grace: 0, ghost_misses: 0 });
    expect(alive(h.vast, running.instanceId) && alive(h.vast, stopping.instanceId)).toBe(true);
  });

  it('a stopping session whose teardown died owns nothing: its instance is an orphan after the grace period, destroyed', async () => {
    const { h, run, alive, runningSession } = await setup();
    const dead = await runningSession();
    const live = await runningSession();
    await requestTeardown(h.teardownDeps, dead.id, 'deleted');
    await requestTeardown(h.teardownDeps, live.id, 'deleted');
    h.workflows.teardownStatus.set(dead.id, 'FAILED');
    // a teardown asked for, whose execution never started, for longer than the grace period
    const neverRan = await runningSession();
    await h.sessions.apply(neverRan.id, () => ({ status: 'stopping', phase: 'stopping', teardown_requested_at: h.clock.now().toISOString() }));

    h.clock.advance(GRACE_MS / 2);
    const early = await run();
    expect(early.vastai).toMatchObject({ orphans_found: 0, unowned_in_grace: 1 });
    expect(alive(h.vast, dead.instanceId)).toBe(true);

    h.clock.advance(GRACE_MS);
    const due = await run();
    expect(due.vastai).toMatchObject({ orphans_found: 2, orphans_destroyed: 2 });
    expect(alive(h.vast, dead.instanceId)).toBe(false);
    expect(alive(h.vast, neverRan.instanceId)).toBe(false);
    // a teardown still running keeps its instance (it is about to destroy it itself)
    expect(alive(h.vast, live.instanceId)).toBe(true);
    expect((await h.sessions.get(dead.id))!.attempts[0]!.destroyed_at).toBeDefined();
  });

  it('destroys what no active session owns: ended sessions, superseded creates, destroyed attempts, unknown attempts', async () => {
    const { h, run, rent, alive, runningSession, label } = await setup();
    // a session that ended failed while its instance lived on (a teardown that gave up)
    const ended = await runningSession();
    await h.sessions.apply(ended.id, () => ({ status: 'failed', phase: 'failed', error_type: 'destroy_failed' }));
    // a second instance for an attempt that recorded the first (a duplicate create)
    const live = await runningSession();
    const duplicate = await rent(h.vast, label(live.id, 1));
    // a teardown confirmed the attempt's instance destroyed, yet another with its label is listed
    const gone = await runningSession();
    await requestTeardown(h.teardownDeps, gone.id, 'deleted');
    await h.sessions.apply(gone.id, (s) => ({
      attempts: s.attempts.map((a) => ({ ...a, destroyed_at: h.clock.now().toISOString() })),
    }));
    h.vast.instance(gone.instanceId)!.destroyed = true;
    const lingering = await rent(h.vast, label(gone.id, 1));
    // an attempt number the session never had
    const unknownAttempt = await rent(h.vast, label(live.id, 7));

    h.clock.advance(GRACE_MS);
    const report = await run();
    expect(report.vastai).toMatchObject({ orphans_found: 4, orphans_destroyed: 4 });
    for (const id of [ended.instanceId, duplicate, lingering, unknownAttempt]) expect(alive(h.vast, id)).toBe(false);
    expect(alive(h.vast, live.instanceId)).toBe(true);
    expect((await h.sessions.get(live.id))?.status).toBe('running');

    // the ended session's own instance: its attempt and its cost are closed
    const endedSession = await h.sessions.get(ended.id);
    expect(endedSession?.attempts[0]?.destroyed_at).toBeDefined();
    const [cost] = await h.costs.forSession(ended.id);
    expect(cost?.ended_at).toBe(h.clock.now().toISOString());
    const reasons = async (sessionId: string) =>
      (await h.events.list(sessionId)).filter((e) => e.type === 'reconciled').map((e) => [e['reason'], e['instance_id']]);
    expect(await reasons(ended.id)).toEqual([['session_ended', ended.instanceId]]);
    expect((await reasons(live.id)).sort()).toEqual(
      [
        ['superseded', duplicate],
        ['no_such_attempt', unknownAttempt],
      ].sort(),
    );
    expect(await reasons(gone.id)).toEqual([['attempt_destroyed', lingering]]);
  });

  it('an orphan made for an attempt that never recorded it gets a closed, refunded cost record', async () => {
    const { h, run, rent, alive } = await setup();
    // a create answered after its session had been torn down (the teardown found nothing and closed the session)
    const { session } = await createSession(h.createDeps, h.request({ offer_id: VAST_OFFER.id, consumer_id: 'late' }));
    await beginProvisioning(h.deps, { session_id: session.id });
    await requestTeardown(h.teardownDeps, session.id, 'deleted');
    await stopProvisioning(h.teardownDeps, { session_id: session.id });
    await destroySessionInstances(h.teardownDeps, { session_id: session.id });
    await closeSession(h.teardownDeps, { session_id: session.id });
    const late = await rent(h.vast, formatLabel({ deploymentId: DEPLOYMENT, sessionId: session.id, attempt: 1 }));
    const createdAt = h.vast.instance(late)!.created_at;

    h.clock.advance(GRACE_MS);
    expect((await run()).vastai).toMatchObject({ orphans_destroyed: 1 });
    expect(alive(h.vast, late)).toBe(false);
    const costs = await h.costs.forSession(session.id);
    expect(costs).toHaveLength(1);
    expect(costs[0]).toMatchObject({
      instance_id: late,
      started_at: createdAt,
      ended_at: h.clock.now().toISOString(),
      refunded: true,
      billed_cost: 0,
      refund_reason: 'orphan',
    });
    expect(costs[0]?.provider_cost).toBeCloseTo(0.4 * (GRACE_MS / 3_600_000), 6);
  });

  it('times an instance without a creation time from when it was first seen, remembered across runs', async () => {
    const { h, vast, memory, run, rent, alive, label } = await setup();
    vast.hideCreatedAt = true;
    const id = await rent(h.vast, label());
    h.clock.advance(10 * GRACE_MS); // old, but nothing says so
    expect((await run()).vastai).toMatchObject({ unowned_in_grace: 1, orphans_found: 0 });
    expect((await memory.load('vastai')).first_seen[id]).toBe(h.clock.now().toISOString());
    h.clock.advance(GRACE_MS - 1000);
    expect((await run()).vastai).toMatchObject({ unowned_in_grace: 1, orphans_found: 0 });
    expect(alive(h.vast, id)).toBe(true);
    h.clock.advance(1000);
    expect((await run()).vastai).toMatchObject({ orphans_destroyed: 1 });
    expect(alive(h.vast, id)).toBe(false);
    await run();
    expect((await memory.load('vastai')).first_seen).toEqual({}); // forgotten once gone
  });

  it('a failed listing changes nothing for that provider, and the other provider is still reconciled', async () => {
    const { h, vast, run, rent, alive, label } = await setup();
    const vastOrphan = await rent(h.vast, label());
    const tdOrphan = await rent(h.tensordock, label());
    h.clock.advance(GRACE_MS);
    vast.listingError = new ProviderUnavailableError('vastai list instances: page 2 answered 502');
    const report = await run();
    expect(report.vastai).toMatchObject({ listing: 'failed', orphans_found: 0 });
    expect(report.tensordock).toMatchObject({ listing: 'complete', orphans_destroyed: 1 });
    expect(alive(h.vast, vastOrphan)).toBe(true);
    expect(alive(h.tensordock, tdOrphan)).toBe(false);
    expect(h.vast.calls.filter((c) => c.startsWith('destroy:'))).toEqual([]);
    expect(h.metrics.count(METRIC.ReconcileListingFailures, { provider: 'vastai' })).toBe(1);
    expect(h.metrics.count(METRIC.ReconcileListingFailures, { provider: 'tensordock' })).toBe(0);
  });
});

describe('reconciler: ghosts', () => {
  it('closes a ghost only after two complete listings, the first a grace period after creation; a failed one counts for nothing', async () => {
    const { h, vast, memory, run, runningSession } = await setup();
    const { id, instanceId } = await runningSession();
    const createdAt = Date.parse((await h.sessions.get(id))!.attempts[0]!.instance_created_at!);
    h.vast.instance(instanceId)!.destroyed = true; // vanished at the provider

    expect((await run()).vastai).toMatchObject({ ghost_misses: 0 }); // too young to tell from listing lag
    h.clock.advance(createdAt + GRACE_MS - h.clock.now().getTime());
    const firstMissAt = h.clock.now().toISOString();
    expect((await run()).vastai).toMatchObject({ ghost_misses: 1, ghosts_found: 0 });
    expect((await h.sessions.get(id))?.status).toBe('running');

    h.clock.advance(300_000);
    vast.listingError = new ProviderUnavailableError('vastai list instances: timed out');
    expect((await run()).vastai).toMatchObject({ listing: 'failed', ghosts_found: 0 });
    expect((await memory.load('vastai')).misses[id]).toMatchObject({ count: 1, instance_id: instanceId });
    expect((await h.sessions.get(id))?.status).toBe('running');

    vast.listingError = undefined;
    h.clock.advance(300_000);
    expect((await run()).vastai).toMatchObject({ ghosts_found: 1 });
    expect(await h.sessions.get(id)).toMatchObject({
      status: 'stopping',
      ended_reason: 'ghost',
      error_type: 'instance_vanished',
    });
    expect(h.workflows.teardowns).toContain(id);
    expect(h.metrics.count(METRIC.GhostsFound, { provider: 'vastai' })).toBe(1);

    // the teardown workflow ends it failed, closes its cost at the first listing that missed the instance
    await stopProvisioning(h.teardownDeps, { session_id: id });
    await destroySessionInstances(h.teardownDeps, { session_id: id });
    await closeSession(h.teardownDeps, { session_id: id });
    expect(await h.sessions.get(id)).toMatchObject({ status: 'failed', error_type: 'instance_vanished' });
    const [cost] = await h.costs.forSession(id);
    expect(cost?.ended_at).toBe(firstMissAt);
    expect((await h.events.list(id)).some((e) => e.type === 'reconciled' && e['kind'] === 'ghost')).toBe(true);
    expect((await run()).vastai).toMatchObject({ ghost_misses: 0, ghosts_found: 0 });
  });

  it('an instance the listing omits but the provider still knows is not a ghost; one that reappears starts over', async () => {
    const { h, run, runningSession } = await setup();
    const { id, instanceId } = await runningSession();
    h.clock.advance(GRACE_MS);
    h.vast.hiddenFromList.add(instanceId); // listing lag or a provider quirk
    for (let i = 0; i < 4; i++) {
      expect((await run()).vastai.ghosts_found).toBe(0);
      h.clock.advance(300_000);
    }
    expect((await h.sessions.get(id))?.status).toBe('running');

    // one miss, then listed again, then missing: the count starts over
    h.vast.hiddenFromList.delete(instanceId);
    await run();
    h.vast.instance(instanceId)!.destroyed = true;
    expect((await run()).vastai).toMatchObject({ ghost_misses: 1, ghosts_found: 0 });
    h.vast.instance(instanceId)!.destroyed = false;
    expect((await run()).vastai).toMatchObject({ ghost_misses: 0 });
    h.vast.instance(instanceId)!.destroyed = true;
    expect((await run()).vastai).toMatchObject({ ghost_misses: 1, ghosts_found: 0 });
    expect((await run()).vastai).toMatchObject({ ghosts_found: 1 });
  });

  it('a running session on one provider is never a ghost because of another provider’s listing', async () => {
    const { h, tensordock, run, runningSession } = await setup();
    const { id } = await runningSession(TD_OFFER);
    h.clock.advance(GRACE_MS);
    tensordock.listingError = new InstanceNotFoundError('odd answer');
    for (let i = 0; i < 3; i++) {
      const report = await run();
      expect(report.vastai.ghost_misses).toBe(0);
      expect(report.tensordock.listing).toBe('failed');
    }
    expect((await h.sessions.get(id))?.status).toBe('running');
  });
});

describe('reconciler memory', () => {
  it('lets only one of two overlapping runs store what it counted', async () => {
    const { memory } = await setup();
    const a = await memory.load('vastai');
    const b = await memory.load('vastai');
    expect(await memory.save({ ...a, misses: { s: { instance_id: '1', count: 1, first_missed_at: 'x' } } })).toBe(true);
    expect(await memory.save({ ...b, misses: { s: { instance_id: '1', count: 1, first_missed_at: 'y' } } })).toBe(false);
    expect((await memory.load('vastai')).misses['s']?.first_missed_at).toBe('x');
  });
});
