import { describe, expect, it } from 'vitest';
import { beginProvisioning } from '../../shared/use-cases/provisioning/begin-provisioning.ts';
import { chooseRetryOffer } from '../../shared/use-cases/provisioning/choose-retry-offer.ts';
import { createInstance } from '../../shared/use-cases/provisioning/create-instance.ts';
import { destroyFailedAttempt } from '../../shared/use-cases/provisioning/destroy-instance.ts';
import { markFailed } from '../../shared/use-cases/provisioning/mark-failed.ts';
import { recordRefund } from '../../shared/use-cases/provisioning/record-refund.ts';
import { verifySsh } from '../../shared/use-cases/provisioning/verify-ssh.ts';
import { createSession } from '../../shared/use-cases/sessions/create-session.ts';
import { ProviderUnavailableError, withCreatedInstance } from '../../shared/domain/provider-errors.ts';
import { offer } from '../fakes/fake-inventory.ts';
import type { ProbeScript } from '../fakes/fake-prober.ts';
import { provisioningHarness } from '../support/provisioning-harness.ts';

const FAST = offer({ id: 'vastai-101', host_id: 'vastai-machine-1', price_per_hour: 0.06 });
const SIBLING = offer({ id: 'vastai-102', host_id: 'vastai-machine-2', price_per_hour: 0.065 });
const PRICEY = offer({ id: 'vastai-103', host_id: 'vastai-machine-3', price_per_hour: 0.5 });

async function started(offers = [FAST, SIBLING, PRICEY], probe?: ProbeScript) {
  const h = await provisioningHarness({ offers, probe });
  const { session } = await createSession(h.createDeps, h.request());
  const state = await beginProvisioning(h.deps, { session_id: session.id });
  return { h, id: session.id, state };
}

/** Runs verification rounds (as the state machine would) until ready or an error. */
async function verifyUntilDone(h: Awaited<ReturnType<typeof provisioningHarness>>, state: { session_id: string; attempt: number }) {
  for (let round = 0; round < 200; round++) {
    const r = await verifySsh(h.deps, state);
    if (r.ready) return r;
    await h.clock.sleep(r.wait_seconds * 1000);
  }
  throw new Error('verification never finished');
}

describe('provisioning use cases', () => {
  it('creates one labelled instance and becomes running once SSH accepts the key', async () => {
    // SSH refuses for 20 s after the instance is created, then logs in
    const { h, id, state } = await started(undefined, (_t, now) => (now.getTime() - bootAt < 20_000 ? 'refused' : 'ok'));
    let bootAt = 0;
    expect(state).toEqual({ session_id: id, attempt: 1 });
    await createInstance(h.deps, state);
    bootAt = h.clock.now().getTime();
    expect(h.vast.alive()).toHaveLength(1);
    const [instance] = h.vast.alive();
    expect(instance!.label).toBe(`gs-test-deployment-${id}-1`);
    expect(instance!.keys[0]).toMatch(/^ssh-ed25519 /);
    h.vast.setStatus(instance!.id, 'running', 'running');

    await verifyUntilDone(h, state);
    const session = await h.sessions.get(id);
    expect(session).toMatchObject({ status: 'running', phase: 'ready', host_key_fingerprint: 'SHA256:fakehostkey' });
    expect(session?.ssh).toEqual({ host: '127.0.0.1', port: instance!.ssh!.port, user: 'root' });
    expect(session?.verification?.duration_ms).toBeGreaterThanOrEqual(20_000);
    expect(session?.verification?.duration_ms).toBeLessThan(22_500);
    // the private key reached the prober decrypted, and only there
    expect(h.prober.probes.at(-1)!.key).toContain('BEGIN OPENSSH PRIVATE KEY');
    expect(h.metrics.count('SshVerificationDuration')).toBeGreaterThan(0);
    const types = (await h.events.list(id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['instance_created', 'ssh_attempt', 'ssh_verified', 'running']));
    const attempts = (await h.events.list(id)).filter((e) => e.type === 'ssh_attempt');
    expect(attempts.some((e) => e['class'] === 'refused')).toBe(true);
    expect(attempts.every((e) => typeof e['duration_ms'] === 'number')).toBe(true);
  });

  it('a provider status read stuck behind its rate limit does not stall the SSH probes', async () => {
    let readyAt = Number.POSITIVE_INFINITY;
    const { h, id, state } = await started(undefined, (_t, now) => (now.getTime() >= readyAt ? 'ok' : 'refused'));
    await createInstance(h.deps, state);
    h.vast.setStatus(h.vast.instances[0]!.id, 'running', 'running');
    const realGet = h.vast.getInstance.bind(h.vast);
    let reads = 0;
    h.vast.getInstance = (instanceId) => (++reads === 1 ? realGet(instanceId) : new Promise(() => undefined));
    readyAt = h.clock.now().getTime() + 30_000; // well after the next status check (every 15 s) has stalled
    await verifyUntilDone(h, state);
    expect(reads).toBeGreaterThan(1);
    const session = await h.sessions.get(id);
    expect(session?.status).toBe('running');
    expect(session?.verification?.duration_ms).toBeLessThan(32_000);
  });

  it('a crash between create and record makes no second instance: the retry finds it by label', async () => {
    const { h, state } = await started();
    h.vast.crashAfterCreate = 1;
    await expect(createInstance(h.deps, state)).rejects.toMatchObject({ name: 'Lambda.Unknown' });
    await createInstance(h.deps, state);
    expect(h.vast.instances).toHaveLength(1);
    const session = await h.sessions.get(state.session_id);
    expect(session?.attempts[0]?.instance_id).toBe(h.vast.instances[0]!.id);
  });

  it('a crash between recording the instance and opening its cost record leaves no instance without a cost record', async () => {
    // found by the chaos run: the runtime stopped between the two writes, and the resumed task returned early
    const { h, state } = await started();
    const realOpen = h.costs.open.bind(h.costs);
    let crashes = 1;
    h.costs.open = async (record) => {
      if (crashes-- > 0) throw Object.assign(new Error('the process died here'), { name: 'Lambda.Unknown' });
      return realOpen(record);
    };
    await expect(createInstance(h.deps, state)).rejects.toMatchObject({ name: 'Lambda.Unknown' });
    await createInstance(h.deps, state);
    expect(h.vast.instances).toHaveLength(1);
    const session = await h.sessions.get(state.session_id);
    expect(session?.attempts[0]?.instance_id).toBe(h.vast.instances[0]!.id);
    const costs = await h.costs.forSession(state.session_id);
    expect(costs).toHaveLength(1);
    expect(costs[0]).toMatchObject({ attempt: 1, instance_id: h.vast.instances[0]!.id, started_at: h.vast.instances[0]!.created_at });
  });

  it('an instance found by its label gets the session keys a lost create answer never attached', async () => {
    const { h, state } = await started();
    const attached: [string, string[]][] = [];
    h.vast.ensureSshKeys = async (id, keys) => {
      attached.push([id, keys]);
    };
    h.vast.crashAfterCreate = 1;
    await expect(createInstance(h.deps, state)).rejects.toMatchObject({ name: 'Lambda.Unknown' });
    await createInstance(h.deps, state);
    const secret = await h.sessions.getSecret(state.session_id);
    expect(attached).toEqual([[h.vast.instances[0]!.id, secret!.public_keys]]);
    // keys that cannot be confirmed leave the instance unrecorded, so the retry looks again
    const other = await started();
    other.h.vast.ensureSshKeys = async () => {
      throw Object.assign(new Error('keys not listed'), { name: 'ProviderUnavailableError' });
    };
    other.h.vast.crashAfterCreate = 1;
    await expect(createInstance(other.h.deps, other.state)).rejects.toMatchObject({ name: 'Lambda.Unknown' });
    await expect(createInstance(other.h.deps, other.state)).rejects.toMatchObject({ name: 'ProviderUnavailableError' });
    expect((await other.h.sessions.get(other.id))?.attempts[0]?.instance_id).toBeUndefined();
  });

  it('an instance made and lost before it was recorded fails the attempt as vanished instead of renting again', async () => {
    const { h, id, state } = await started();
    const realApply = h.sessions.apply.bind(h.sessions);
    let dies = false;
    h.sessions.apply = async (sessionId, change) => {
      // the process dies after the cost record is opened, before the session names the instance
      if (dies) throw Object.assign(new Error('the process died here'), { name: 'Lambda.Unknown' });
      return realApply(sessionId, change);
    };
    const realCreate = h.vast.createInstance.bind(h.vast);
    h.vast.createInstance = async (req) => {
      const out = await realCreate(req);
      dies = true;
      return out;
    };
    await expect(createInstance(h.deps, state)).rejects.toMatchObject({ name: 'Lambda.Unknown' });
    h.sessions.apply = realApply;
    // it vanishes at the provider while nobody looks
    h.vast.instances[0]!.destroyed = true;
    h.clock.advance(h.deps.settings.createListLagMs);
    await expect(createInstance(h.deps, state)).rejects.toMatchObject({ name: 'InstanceVanishedError' });
    expect(h.vast.instances).toHaveLength(1);
    // the compensation closes and refunds what it cost
    const failed = await destroyFailedAttempt(h.deps, { ...state, error: { Error: 'InstanceVanishedError', Cause: 'gone' } });
    await recordRefund(h.deps, failed);
    const [cost] = await h.costs.forSession(id);
    expect(cost).toMatchObject({ instance_id: h.vast.instances[0]!.id, ended_at: h.clock.now().toISOString(), refunded: true });
  });

  it('a retried compensation closes the cost its first try destroyed but did not close', async () => {
    const { h, id, state } = await started();
    await createInstance(h.deps, state);
    h.clock.advance(20_000);
    const destroyedAt = h.clock.now().toISOString();
    await h.vast.destroyInstance(h.vast.instances[0]!.id);
    // the first try marked the attempt destroyed, then died
    await h.sessions.apply(id, (s) => ({ attempts: s.attempts.map((a) => ({ ...a, outcome: 'failed' as const, destroyed_at: destroyedAt })) }));
    h.clock.advance(5000);
    await destroyFailedAttempt(h.deps, { ...state, error: { Error: 'SshTimeoutError', Cause: 'no SSH' } });
    const [cost] = await h.costs.forSession(id);
    expect(cost?.ended_at).toBe(destroyedAt);
  });

  it('a create that made an instance and then failed (keys not attached, destroyed again) still records its cost', async () => {
    const { h, id, state } = await started();
    const realCreate = h.vast.createInstance.bind(h.vast);
    h.vast.createInstance = async (req) => {
      const { instance_id } = await realCreate(req);
      const createdAt = h.clock.now().toISOString();
      h.clock.advance(3000);
      await h.vast.destroyInstance(instance_id);
      throw withCreatedInstance(new ProviderUnavailableError('keys not listed'), {
        instance_id,
        created_at: createdAt,
        destroyed_at: h.clock.now().toISOString(),
      });
    };
    await expect(createInstance(h.deps, state)).rejects.toMatchObject({ name: 'ProviderUnavailableError' });
    const [cost] = await h.costs.forSession(id);
    expect(cost).toMatchObject({ instance_id: h.vast.instances[0]!.id, started_at: h.vast.instances[0]!.created_at });
    expect(cost?.provider_cost).toBeCloseTo(0.06 * (3 / 3600), 6);
  });

  it('creates nothing when the session ended between reading it and marking the create', async () => {
    const { h, id, state } = await started();
    // the teardown wins the race right after the task read the session
    const realGetSecret = h.sessions.getSecret.bind(h.sessions);
    h.sessions.getSecret = async (sessionId) => {
      await h.sessions.apply(id, () => ({ status: 'stopping', phase: 'stopping' }));
      return realGetSecret(sessionId);
    };
    await expect(createInstance(h.deps, state)).rejects.toMatchObject({ name: 'SessionEndedError' });
    expect(h.vast.instances).toHaveLength(0);
  });

  it('the compensation records, closes and refunds the cost of an instance found only by its label', async () => {
    const { h, id, state } = await started();
    h.vast.crashAfterCreate = 1; // created, never recorded
    await expect(createInstance(h.deps, state)).rejects.toMatchObject({ name: 'Lambda.Unknown' });
    h.clock.advance(30_000);
    const failed = await destroyFailedAttempt(h.deps, { ...state, error: { Error: 'ProviderUnavailableError', Cause: 'gave up' } });
    await recordRefund(h.deps, failed);
    expect(h.vast.alive()).toHaveLength(0);
    const [cost] = await h.costs.forSession(id);
    expect(cost).toMatchObject({ instance_id: h.vast.instances[0]!.id, started_at: h.vast.instances[0]!.created_at, refunded: true, billed_cost: 0 });
    expect(cost?.ended_at).toBe(h.clock.now().toISOString());
    expect(cost?.provider_cost).toBeCloseTo(0.06 * (30 / 3600), 6);
  });

  it('waits out listing lag instead of creating again when the first create is in doubt', async () => {
    const { h, state } = await started();
    h.vast.crashAfterCreate = 1;
    await expect(createInstance(h.deps, state)).rejects.toMatchObject({ name: 'Lambda.Unknown' });
    h.vast.hiddenFromList.add(h.vast.instances[0]!.id);
    await expect(createInstance(h.deps, state)).rejects.toMatchObject({ name: 'CreateInDoubtError' });
    h.clock.advance(30_000);
    h.vast.hiddenFromList.clear();
    await createInstance(h.deps, state);
    expect(h.vast.instances).toHaveLength(1);
  });

  it('rents at once on the retry after the shared pacing refused the create: nothing was sent, so nothing is in doubt', async () => {
    const { h, id, state } = await started();
    h.vast.pacedOut = 1;
    await expect(createInstance(h.deps, state)).rejects.toMatchObject({ name: 'ProviderPacingError' });
    expect((await h.sessions.get(id))?.attempts[0]?.create_started_at).toBeUndefined();
    await createInstance(h.deps, state);
    expect(h.vast.instances).toHaveLength(1);
    expect(h.vast.calls.filter((c) => c === 'listInstances')).toEqual([]);
    expect((await h.sessions.get(id))?.attempts[0]?.instance_id).toBe(h.vast.instances[0]!.id);
  });

  it('behind a long queue of creates keeps its place: answers when to come back, and the next try presents that place', async () => {
    const { h, id, state } = await started();
    const now = h.clock.now().getTime();
    h.vast.pacedOut = 1;
    h.vast.pacedPlace = { slot_at: now + 90_000, wake_at: now + 80_000 };
    const answer = await createInstance(h.deps, state);
    // not an error the Retry would spend one of its attempts on: a time for WaitForCreateSlot
    expect(answer).toEqual({ ...state, create_wait_until: new Date(now + 80_000).toISOString() });
    const attempt = (await h.sessions.get(id))?.attempts[0];
    expect(attempt?.create_started_at).toBeUndefined();
    expect(attempt?.create_slot_at).toBe(new Date(now + 90_000).toISOString());
    expect((await h.events.list(id)).filter((e) => e.type === 'instance_create_queued')).toMatchObject([{ slot_at: new Date(now + 90_000).toISOString() }]);

    h.clock.advance(80_000);
    const done = await createInstance(h.deps, state);
    expect(done).toEqual(state);
    expect(h.vast.instances).toHaveLength(1);
    expect(h.vast.instances[0]!.request.paced_slot_at).toBe(now + 90_000);
    // used: a later attempt does not present it again
    expect((await h.sessions.get(id))?.attempts[0]).not.toHaveProperty('create_slot_at');
  });

  it('a status read the shared pacing refuses ends the round without failing it: the next round comes back later', async () => {
    const { h, id, state } = await started(undefined, () => 'ok');
    await createInstance(h.deps, state);
    h.vast.setStatus(h.vast.instances[0]!.id, 'running', 'running');
    h.vast.pacedReads = 3;
    const rounds: number[] = [];
    for (;;) {
      const r = await verifySsh(h.deps, state);
      if (r.ready) break;
      rounds.push(r.wait_seconds);
      await h.clock.sleep(r.wait_seconds * 1000);
    }
    // three rounds ended at once, each waiting half the 30 s queue, without a probe or an error
    expect(rounds).toEqual([15, 15, 15]);
    expect((await h.sessions.get(id))?.status).toBe('running');
  });

  it('fails with ssh_timeout at the deadline when SSH never answers, measured from the start of verification', async () => {
    const { h, state } = await started(undefined, () => 'no_banner');
    await createInstance(h.deps, state);
    h.vast.setStatus(h.vast.instances[0]!.id, 'running', 'running');
    const began = h.clock.now().getTime();
    const err = await verifyUntilDone(h, state).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SshTimeoutError' });
    const elapsed = h.clock.now().getTime() - began;
    expect(elapsed).toBeGreaterThanOrEqual(10 * 60_000);
    expect(elapsed).toBeLessThan(10 * 60_000 + 10_000);
  });

  it('extends the deadline while the provider is still loading, within a cap', async () => {
    const { h, state } = await started(undefined, () => 'refused');
    await createInstance(h.deps, state);
    const began = h.clock.now().getTime();
    // status stays "loading" for ever
    const err = await verifyUntilDone(h, state).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SshTimeoutError' });
    const elapsed = h.clock.now().getTime() - began;
    expect(elapsed).toBeGreaterThanOrEqual(25 * 60_000);
    expect(elapsed).toBeLessThan(26 * 60_000);
  });

  it('honours ssh_timeout_minutes from the request', async () => {
    const h = await provisioningHarness({ offers: [FAST], probe: () => 'no_banner' });
    const { session } = await createSession(h.createDeps, h.request({ ssh_timeout_minutes: 2 }));
    const state = await beginProvisioning(h.deps, { session_id: session.id });
    await createInstance(h.deps, state);
    h.vast.setStatus(h.vast.instances[0]!.id, 'running', 'running');
    const began = h.clock.now().getTime();
    await expect(verifyUntilDone(h, state)).rejects.toMatchObject({ name: 'SshTimeoutError' });
    expect(h.clock.now().getTime() - began).toBeLessThan(2 * 60_000 + 10_000);
  });

  it('fails fast when the provider reports the instance stopped, or gone twice in a row', async () => {
    const stopped = await started();
    await createInstance(stopped.h.deps, stopped.state);
    stopped.h.vast.setStatus(stopped.h.vast.instances[0]!.id, 'stopped', 'exited');
    await expect(verifySsh(stopped.h.deps, stopped.state)).rejects.toMatchObject({ name: 'InstanceStoppedError' });

    const gone = await started();
    await createInstance(gone.h.deps, gone.state);
    gone.h.vast.instances[0]!.destroyed = true;
    await expect(verifyUntilDone(gone.h, gone.state)).rejects.toMatchObject({ name: 'InstanceVanishedError' });
  });

  it('fails fast on sustained genuine auth rejection, but an early-closed handshake is not auth', async () => {
    const auth = await started(undefined, () => 'auth_rejected');
    await createInstance(auth.h.deps, auth.state);
    auth.h.vast.setStatus(auth.h.vast.instances[0]!.id, 'running', 'running');
    const began = auth.h.clock.now().getTime();
    await expect(verifyUntilDone(auth.h, auth.state)).rejects.toMatchObject({ name: 'AuthRejectedError' });
    const took = auth.h.clock.now().getTime() - began;
    expect(took).toBeGreaterThanOrEqual(20_000);
    expect(took).toBeLessThan(60_000);

    const closing = await started(undefined, () => 'handshake_closed');
    await createInstance(closing.h.deps, closing.state);
    closing.h.vast.setStatus(closing.h.vast.instances[0]!.id, 'running', 'running');
    await expect(verifyUntilDone(closing.h, closing.state)).rejects.toMatchObject({ name: 'SshTimeoutError' });
  });

  it('compensates: destroys and confirms, refunds, records the failure, and retries on a comparable offer', async () => {
    const { h, id, state } = await started();
    await createInstance(h.deps, state);
    const first = h.vast.instances[0]!;
    h.clock.advance(90_000);
    h.vast.lingerAfterDestroy = 0;
    first.lingerAfterDestroy = 1;
    const error = { Error: 'SshTimeoutError', Cause: JSON.stringify({ errorType: 'SshTimeoutError', errorMessage: 'no SSH in 10 min' }) };
    await expect(destroyFailedAttempt(h.deps, { ...state, error })).rejects.toMatchObject({ name: 'DestroyNotConfirmedError' });
    const destroyed = await destroyFailedAttempt(h.deps, { ...state, error });
    expect(destroyed.failure_type).toBe('ssh_timeout');
    expect(first.destroyed).toBe(true);

    await recordRefund(h.deps, destroyed);
    await recordRefund(h.deps, destroyed); // a retried task changes nothing more
    const [cost] = await h.costs.forSession(id);
    expect(cost).toMatchObject({ refunded: true, billed_cost: 0, refund_reason: 'ssh_timeout' });
    expect(cost!.provider_cost).toBeCloseTo(0.06 * (90 / 3600), 6);
    expect(cost!.refund_amount).toBe(cost!.provider_cost);
    expect(h.inventory.failures).toHaveLength(1);
    expect(h.inventory.failures[0]).toMatchObject({ offer_id: 'vastai-101', type: 'ssh_timeout', host_id: 'vastai-machine-1' });
    expect(h.metrics.count('SshVerificationFailed', { provider: 'vastai', failure_class: 'ssh_timeout' })).toBe(1);
    expect(h.metrics.count('Refunds')).toBe(1);

    const decision = await chooseRetryOffer(h.deps, destroyed);
    expect(decision).toMatchObject({ retry: true, attempt: 2 });
    const again = await chooseRetryOffer(h.deps, destroyed);
    expect(again.attempt).toBe(2);
    const session = await h.sessions.get(id);
    expect(session?.offer_id).toBe('vastai-102');
    expect(session?.retry_count).toBe(1);
    expect(session?.failed_offers).toEqual(['vastai-101']);

    // the retry uses the same key: attempt 2's instance gets the same public keys
    await createInstance(h.deps, { session_id: id, attempt: 2 });
    expect(h.vast.instances[1]!.keys).toEqual(first.keys);
  });

  it('ends failed with error_type when retries are exhausted, freeing the offer and deleting the key', async () => {
    const { h, id, state } = await started([FAST]);
    const failure = { session_id: id, attempt: state.attempt, failure_type: 'instance_stopped' as const };
    expect(await chooseRetryOffer(h.deps, failure)).toMatchObject({ retry: false });
    const out = await markFailed(h.deps, failure);
    expect(out.error_type).toBe('instance_stopped');
    const session = await h.sessions.get(id);
    expect(session).toMatchObject({ status: 'failed', error_type: 'instance_stopped', retry_suggested: true });
    // no attempt of a final session is still in progress
    expect(session?.attempts.map((a) => a.outcome)).toEqual(['ended']);
    expect(await h.sessions.getSecret(id)).toBeUndefined();
    const { createSession: create } = await import('../../shared/use-cases/sessions/create-session.ts');
    await expect(create(h.createDeps, h.request())).resolves.toMatchObject({ session: { status: 'pending' }, replayed: false });
  });

  it('stops quietly when the session ended while its create was in flight, destroying what it made', async () => {
    const { h, id, state } = await started();
    const realCreate = h.vast.createInstance.bind(h.vast);
    h.vast.createInstance = async (req) => {
      const out = await realCreate(req);
      await h.sessions.apply(id, () => ({ status: 'stopping' }));
      return out;
    };
    await expect(createInstance(h.deps, state)).rejects.toMatchObject({ name: 'SessionEndedError' });
    expect(h.vast.alive()).toHaveLength(0);
    expect((await h.sessions.get(id))?.attempts[0]?.instance_id).toBe(h.vast.instances[0]!.id);
  });
});
