import { describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../shared/domain/errors.ts';
import type { ConsumerEvent } from '../../shared/ports/consumer-events.ts';
import { sessionCostReport } from '../../shared/use-cases/costs/cost-report.ts';
import { beginProvisioning } from '../../shared/use-cases/provisioning/begin-provisioning.ts';
import { createInstance } from '../../shared/use-cases/provisioning/create-instance.ts';
import { destroyFailedAttempt } from '../../shared/use-cases/provisioning/destroy-instance.ts';
import { verifySsh } from '../../shared/use-cases/provisioning/verify-ssh.ts';
import { createSession } from '../../shared/use-cases/sessions/create-session.ts';
import { extendSession } from '../../shared/use-cases/sessions/extend-session.ts';
import { sweepSessions } from '../../shared/use-cases/sessions/sweep-sessions.ts';
import { requestTeardown } from '../../shared/use-cases/teardown/request-teardown.ts';
import { closeSession, destroySessionInstances, stopProvisioning } from '../../shared/use-cases/teardown/teardown-steps.ts';
import { offer } from '../fakes/fake-inventory.ts';
import { provisioningHarness } from '../support/provisioning-harness.ts';

const OFFER = offer({ id: 'vastai-201', price_per_hour: 0.4 });

/** A session that reached running after `bootMs`. */
async function runningSession(bootMs = 10_000) {
  let readyAt = Number.POSITIVE_INFINITY;
  const h = await provisioningHarness({ offers: [OFFER], probe: (_t, now) => (now.getTime() >= readyAt ? 'ok' : 'refused') });
  const { session } = await createSession(h.createDeps, h.request());
  const state = await beginProvisioning(h.deps, { session_id: session.id });
  await createInstance(h.deps, state);
  h.vast.setStatus(h.vast.instances[0]!.id, 'running', 'running');
  readyAt = h.clock.now().getTime() + bootMs;
  for (let i = 0; i < 50 && !(await verifySsh(h.deps, state)).ready; i++) await h.clock.sleep(1000);
  expect((await h.sessions.get(session.id))?.status).toBe('running');
  return { h, id: session.id };
}

async function runTeardown(h: Awaited<ReturnType<typeof provisioningHarness>>, id: string) {
  await stopProvisioning(h.teardownDeps, { session_id: id });
  await destroySessionInstances(h.teardownDeps, { session_id: id });
  return closeSession(h.teardownDeps, { session_id: id });
}

describe('ending sessions', () => {
  it('concurrent DELETEs and a done converge on one teardown and one stopped', async () => {
    const { h, id } = await runningSession();
    const requests = [
      ...Array.from({ length: 10 }, () => requestTeardown(h.teardownDeps, id, 'deleted')),
      requestTeardown(h.teardownDeps, id, 'consumer_done'),
    ];
    const results = await Promise.all(requests);
    expect(results.filter((r) => r.started)).toHaveLength(1);
    expect(results.every((r) => r.session.status === 'stopping')).toBe(true);
    expect(h.workflows.teardowns).toEqual([id]);
    await runTeardown(h, id);
    await runTeardown(h, id); // a second run (a retried execution) changes nothing
    const session = await h.sessions.get(id);
    expect(session?.status).toBe('stopped');
    expect(session?.stopped_at).toBeDefined();
    expect(h.vast.alive()).toHaveLength(0);
    expect(await h.sessions.getSecret(id)).toBeUndefined();
    expect((await h.events.list(id)).filter((e) => e.type === 'stopped')).toHaveLength(1);
    // ending an ended session is not a second teardown
    expect((await requestTeardown(h.teardownDeps, id, 'deleted')).started).toBe(false);
  });

  it('a 90-second session costs 90 seconds of its price, billed and provider cost alike', async () => {
    const { h, id } = await runningSession(10_000);
    const [open] = await h.costs.forSession(id);
    const createdAt = Date.parse(open!.started_at);
    h.clock.advance(createdAt + 90_000 - h.clock.now().getTime());
    await requestTeardown(h.teardownDeps, id, 'consumer_done');
    await runTeardown(h, id);
    const report = sessionCostReport(id, await h.costs.forSession(id), h.clock.now());
    expect(report.total_cost).toBeCloseTo(0.4 * (90 / 3600), 6);
    expect(report.duration_hours).toBeCloseTo(90 / 3600, 6);
    expect(report.refunded).toBe(0);
    expect(report.breakdown[0]).toMatchObject({ open: false, refunded: false });
  });

  it('DELETE while the create is in flight waits for it and leaves no instance', async () => {
    const h = await provisioningHarness({ offers: [OFFER] });
    const { session } = await createSession(h.createDeps, h.request());
    const state = await beginProvisioning(h.deps, { session_id: session.id });
    // the create call is in flight: the attempt is marked, the provider has not answered yet
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const realCreate = h.vast.createInstance.bind(h.vast);
    h.vast.createInstance = async (req) => {
      await gate;
      return realCreate(req);
    };
    const creating = createInstance(h.deps, state).catch((e: unknown) => e);
    // wait until the create is marked in flight (a fixed sleep was too short on a busy machine)
    for (let i = 0; i < 500 && !(await h.sessions.get(session.id))?.attempts[0]?.create_started_at; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await requestTeardown(h.teardownDeps, session.id, 'deleted');
    await stopProvisioning(h.teardownDeps, { session_id: session.id });
    await expect(destroySessionInstances(h.teardownDeps, { session_id: session.id })).rejects.toMatchObject({
      name: 'DestroyNotConfirmedError',
    });
    release();
    expect(await creating).toMatchObject({ name: 'SessionEndedError' });
    await destroySessionInstances(h.teardownDeps, { session_id: session.id });
    await closeSession(h.teardownDeps, { session_id: session.id });
    expect(h.vast.instances).toHaveLength(1);
    expect(h.vast.alive()).toHaveLength(0);
    const stopped = await h.sessions.get(session.id);
    expect(stopped?.status).toBe('stopped');
    // the end overtook the attempt: it is over, not in progress
    expect(stopped?.attempts[0]?.outcome).toBe('ended');
    // never usable, so never billed: the attempt is refunded
    const [cost] = await h.costs.forSession(session.id);
    expect(cost).toMatchObject({ refunded: true, billed_cost: 0, refund_reason: 'ended_before_running' });
  });

  it('teardown records, closes and refunds the cost of an instance found only by its label', async () => {
    const h = await provisioningHarness({ offers: [OFFER] });
    const { session } = await createSession(h.createDeps, h.request());
    const state = await beginProvisioning(h.deps, { session_id: session.id });
    h.vast.crashAfterCreate = 1; // created, never recorded: the create's answer was lost
    await expect(createInstance(h.deps, state)).rejects.toMatchObject({ name: 'Lambda.Unknown' });
    h.clock.advance(45_000);
    await requestTeardown(h.teardownDeps, session.id, 'deleted');
    await runTeardown(h, session.id);
    expect(h.vast.alive()).toHaveLength(0);
    const costs = await h.costs.forSession(session.id);
    expect(costs).toHaveLength(1);
    expect(costs[0]).toMatchObject({
      instance_id: h.vast.instances[0]!.id,
      started_at: h.vast.instances[0]!.created_at,
      ended_at: h.clock.now().toISOString(),
      refunded: true,
      billed_cost: 0,
      refund_reason: 'ended_before_running',
    });
    expect(costs[0]?.provider_cost).toBeCloseTo(0.4 * (45 / 3600), 6);
  });

  it('refunds a failed attempt whose compensation the teardown stopped after the destroy, before the refund', async () => {
    const h = await provisioningHarness({ offers: [OFFER] });
    const { session } = await createSession(h.createDeps, h.request());
    const state = await beginProvisioning(h.deps, { session_id: session.id });
    await createInstance(h.deps, state);
    // the attempt failed and its instance was destroyed; then the session expired and the teardown stopped provisioning
    await destroyFailedAttempt(h.deps, { ...state, error: { Error: 'SshTimeoutError', Cause: 'no SSH' } });
    await requestTeardown(h.teardownDeps, session.id, 'deleted');
    await runTeardown(h, session.id);
    const [cost] = await h.costs.forSession(session.id);
    expect(cost).toMatchObject({ refunded: true, billed_cost: 0, refund_reason: 'ssh_timeout' });
  });

  it('an instance whose create returns after its session ended is destroyed, and its cost closed and refunded', async () => {
    const h = await provisioningHarness({ offers: [OFFER] });
    const { session } = await createSession(h.createDeps, h.request());
    const state = await beginProvisioning(h.deps, { session_id: session.id });
    const realCreate = h.vast.createInstance.bind(h.vast);
    h.vast.createInstance = async (req) => {
      const out = await realCreate(req);
      // the teardown ran to its end while the create was in flight
      await h.sessions.apply(session.id, () => ({ status: 'stopped', phase: 'stopped' }));
      h.clock.advance(20_000);
      return out;
    };
    await expect(createInstance(h.deps, state)).rejects.toMatchObject({ name: 'SessionEndedError' });
    expect(h.vast.alive()).toHaveLength(0);
    const [cost] = await h.costs.forSession(session.id);
    expect(cost).toMatchObject({ ended_at: h.clock.now().toISOString(), refunded: true, billed_cost: 0 });
    expect((await h.sessions.get(session.id))?.attempts[0]?.destroyed_at).toBe(h.clock.now().toISOString());
  });

  it("closes the cost of an attempt another step destroyed but died before closing (a restart in between)", async () => {
    const h = await provisioningHarness({ offers: [OFFER] });
    const { session } = await createSession(h.createDeps, h.request());
    const state = await beginProvisioning(h.deps, { session_id: session.id });
    await createInstance(h.deps, state);
    // the create found its session ended, destroyed the instance and marked it — then the process stopped
    await requestTeardown(h.teardownDeps, session.id, 'deleted');
    h.clock.advance(30_000);
    const destroyedAt = h.clock.now().toISOString();
    await h.vast.destroyInstance(h.vast.instances[0]!.id);
    await h.sessions.apply(session.id, (s) => ({ attempts: s.attempts.map((a) => ({ ...a, destroyed_at: destroyedAt })) }));
    h.clock.advance(10_000);
    await runTeardown(h, session.id);
    const [cost] = await h.costs.forSession(session.id);
    expect(cost).toMatchObject({ ended_at: destroyedAt, refunded: true, billed_cost: 0 });
    expect(cost?.provider_cost).toBeCloseTo(0.4 * (30 / 3600), 6);
    expect(cost?.refund_amount).toBe(cost?.provider_cost);
  });

  it('expiry is checked again when the end is asked: an extension accepted after the sweep read the session holds', async () => {
    const { h, id } = await runningSession();
    h.clock.advance(60 * 60_000); // past expires_at, not yet swept
    const stale = await h.sessions.get(id);
    await extendSession(h.teardownDeps, stale!, 1); // accepted: the session is still running
    // the sweep decided on its (older) listing and asks for the end now
    const asked = await requestTeardown(h.teardownDeps, id, 'expired');
    expect(asked.started).toBe(false);
    expect((await h.sessions.get(id))?.status).toBe('running');
    expect(h.workflows.teardowns).toEqual([]);
    // once the extension has run out, expiry ends it
    h.clock.advance(60 * 60_000);
    expect((await requestTeardown(h.teardownDeps, id, 'expired')).started).toBe(true);
    // the hard maximum likewise, and a consumer's end is never held back
    const other = await runningSession();
    expect((await requestTeardown(other.h.teardownDeps, other.id, 'hard_max')).started).toBe(false);
    expect((await requestTeardown(other.h.teardownDeps, other.id, 'deleted')).started).toBe(true);
  });

  it('extends up to the hard maximum and refuses past it', async () => {
    const { h, id } = await runningSession();
    const before = await h.sessions.get(id);
    const extended = await extendSession(h.teardownDeps, before!, 10);
    expect(Date.parse(extended.expires_at) - Date.parse(before!.expires_at)).toBe(10 * 3_600_000);
    expect(extended.reservation_hours).toBe(11);
    await extendSession(h.teardownDeps, extended, 1); // exactly the hard maximum: allowed
    const err = await extendSession(h.teardownDeps, extended, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).errorType).toBe('hard_max_exceeded');
    await requestTeardown(h.teardownDeps, id, 'deleted');
    await expect(extendSession(h.teardownDeps, extended, 1)).rejects.toBeInstanceOf(ConflictError);
  });

  it('the sweep ends expired sessions and those past the hard maximum, with the reason recorded', async () => {
    const { h, id } = await runningSession();
    expect((await sweepSessions(h.teardownDeps)).expired).toBe(0);
    h.clock.advance(60 * 60_000);
    const report = await sweepSessions(h.teardownDeps);
    expect(report.expired).toBe(1);
    const session = await h.sessions.get(id);
    expect(session).toMatchObject({ status: 'stopping', ended_reason: 'expired' });

    const other = await runningSession();
    const s = await other.h.sessions.get(other.id);
    await extendSession(other.h.teardownDeps, s!, 11);
    other.h.clock.advance(12 * 60 * 60_000 + 1000);
    expect((await sweepSessions(other.h.teardownDeps)).hard_max).toBe(1);
    expect((await other.h.sessions.get(other.id))?.ended_reason).toBe('hard_max');
  });

  it('the sweep starts the execution of a pending session a crash left behind', async () => {
    const h = await provisioningHarness({ offers: [OFFER] });
    const { session } = await createSession(h.createDeps, h.request());
    h.workflows.started.length = 0; // as if StartExecution never happened
    expect((await sweepSessions(h.teardownDeps)).provisioning_started).toBe(0); // too young to tell
    h.clock.advance(90_000);
    expect((await sweepSessions(h.teardownDeps)).provisioning_started).toBe(1);
    expect(h.workflows.started).toEqual([session.id]);
  });

  it('warns once, 10 minutes before a running session ends, and again after an extension moves its end', async () => {
    const { h, id } = await runningSession();
    const events: ConsumerEvent[] = [];
    const deps = { ...h.teardownDeps, bus: { publish: async (e: ConsumerEvent[]) => void events.push(...e) } };
    const session = (await h.sessions.get(id))!;
    h.clock.advance(Date.parse(session.expires_at) - h.clock.now().getTime() - 11 * 60_000);
    expect((await sweepSessions(deps)).expiry_warnings).toBe(0);
    h.clock.advance(2 * 60_000);
    expect((await sweepSessions(deps)).expiry_warnings).toBe(1);
    expect((await sweepSessions(deps)).expiry_warnings).toBe(0);
    expect(events).toEqual([
      expect.objectContaining({ type: 'session.expiring', consumer_id: 'team-a', session_id: id, detail: expect.objectContaining({ ends_at: session.expires_at, reason: 'expires', status: 'running' }) }),
    ]);
    expect(JSON.stringify(events)).not.toContain('PRIVATE KEY');
    const extended = await extendSession({ sessions: h.sessions, events: h.events, clock: h.clock.now }, (await h.sessions.get(id))!, 1);
    expect((await sweepSessions(deps)).expiry_warnings).toBe(0);
    h.clock.advance(Date.parse(extended.expires_at) - h.clock.now().getTime() - 5 * 60_000);
    expect((await sweepSessions(deps)).expiry_warnings).toBe(1);
    expect(events.map((e) => e.detail['ends_at'])).toEqual([session.expires_at, extended.expires_at]);
  });
});
