import { describe, expect, it } from 'vitest';
import { ConflictError, StaleInventoryError, ValidationError } from '../../shared/domain/errors.ts';
import { reservationHourMs } from '../../shared/composition/sessions.ts';
import { createSession } from '../../shared/use-cases/sessions/create-session.ts';
import { extendSession } from '../../shared/use-cases/sessions/extend-session.ts';
import { offer } from '../fakes/fake-inventory.ts';
import { provisioningHarness } from '../support/provisioning-harness.ts';

const OFFER = offer({ id: 'vastai-101', gpu_type: 'RTX 5060 Ti', price_per_hour: 0.06 });

describe('creating a session', () => {
  it('writes a pending session with its encrypted key and starts provisioning at once', async () => {
    const h = await provisioningHarness({ offers: [OFFER] });
    const created = await createSession(h.createDeps, h.request({ ssh_public_key: 'ssh-ed25519 AAAAMINE me@laptop' }));
    expect(created.session).toMatchObject({
      status: 'pending',
      consumer_id: 'team-a',
      offer_id: 'vastai-101',
      provider: 'vastai',
      gpu_type: 'RTX 5060 Ti',
      price_per_hour: 0.06,
      reservation_hours: 1,
    });
    expect(created.ssh_private_key).toContain('BEGIN OPENSSH PRIVATE KEY');
    expect(Date.parse(created.session.expires_at) - Date.parse(created.session.created_at)).toBe(3_600_000);
    expect(Date.parse(created.session.hard_max_at) - Date.parse(created.session.created_at)).toBe(12 * 3_600_000);
    expect(h.workflows.started).toEqual([created.session.id]);
    expect(created.session.execution_arn).toContain(created.session.id);

    const stored = await h.sessions.get(created.session.id);
    expect(stored?.status).toBe('pending');
    const secret = await h.sessions.getSecret(created.session.id);
    expect(secret?.private_key_ciphertext).not.toContain('BEGIN OPENSSH');
    expect(secret?.public_keys).toHaveLength(2);
    expect(secret?.public_keys[1]).toBe('ssh-ed25519 AAAAMINE me@laptop');
    expect((await h.events.list(created.session.id)).map((e) => e.type)).toEqual(['session_created']);
  });

  it('a shortened reserved hour (accelerated local runs) sets expires_at, hard_max_at and extensions alike', async () => {
    const h = await provisioningHarness({ offers: [OFFER] });
    h.createDeps.reservationHourMs = 20_000;
    const { session } = await createSession(h.createDeps, h.request({ reservation_hours: 2 }));
    const created = Date.parse(session.created_at);
    expect(Date.parse(session.expires_at) - created).toBe(40_000);
    expect(Date.parse(session.hard_max_at) - created).toBe(12 * 20_000);
    const deps = { ...h.teardownDeps, reservationHourMs: 20_000 };
    const extended = await extendSession(deps, session, 3);
    expect(Date.parse(extended.expires_at) - created).toBe(100_000);
    const refused = await extendSession(deps, extended, 8).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).details).toMatchObject({ max_additional_hours: 7 });
  });

  it('RESERVATION_HOUR_SECONDS is read locally and ignored in a deployed function', () => {
    const saved = { ...process.env };
    try {
      process.env['RESERVATION_HOUR_SECONDS'] = '20';
      delete process.env['AWS_LAMBDA_FUNCTION_NAME'];
      expect(reservationHourMs()).toBe(20_000);
      process.env['AWS_LAMBDA_FUNCTION_NAME'] = 'SessionsApi';
      delete process.env['GPU_SHOPPER_LOCAL'];
      expect(reservationHourMs()).toBe(3_600_000);
      delete process.env['AWS_LAMBDA_FUNCTION_NAME'];
      process.env['RESERVATION_HOUR_SECONDS'] = '0';
      expect(() => reservationHourMs()).toThrow(/RESERVATION_HOUR_SECONDS/);
    } finally {
      process.env = saved;
    }
  });

  it('refuses an offer id no provider could have issued, before writing anything', async () => {
    const h = await provisioningHarness({ offers: [OFFER] });
    await expect(createSession(h.createDeps, h.request({ offer_id: 'offer-rtx4090-1' }))).rejects.toBeInstanceOf(ValidationError);
    expect(await h.sessions.list({ limit: 10 })).toEqual({ sessions: [], next_cursor: undefined });
  });

  it('answers stale_inventory with the offer id for an offer inventory does not hold', async () => {
    const h = await provisioningHarness({ offers: [OFFER] });
    const err = await createSession(h.createDeps, h.request({ offer_id: 'vastai-999' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleInventoryError);
    expect((err as StaleInventoryError).details).toMatchObject({ offer_id: 'vastai-999', retry_suggested: true });
    expect(h.workflows.started).toEqual([]);
  });

  it('refuses a second active session of the same consumer on the same offer, naming the first', async () => {
    const h = await provisioningHarness({ offers: [OFFER] });
    const first = await createSession(h.createDeps, h.request());
    const err = await createSession(h.createDeps, h.request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).details['existing_session_id']).toBe(first.session.id);
    // another consumer may rent the same offer
    await expect(createSession(h.createDeps, h.request({ consumer_id: 'team-b' }))).resolves.toMatchObject({
      session: { consumer_id: 'team-b', offer_id: OFFER.id, status: 'pending' },
      replayed: false,
    });
  });

  it('frees the offer once the first session has ended', async () => {
    const h = await provisioningHarness({ offers: [OFFER] });
    const first = await createSession(h.createDeps, h.request());
    await h.sessions.apply(first.session.id, () => ({ status: 'failed' }));
    const second = await createSession(h.createDeps, h.request());
    expect(second.session.id).not.toBe(first.session.id);
  });

  it('replays an Idempotency-Key: same session, same key, no second execution', async () => {
    const h = await provisioningHarness({ offers: [OFFER] });
    const first = await createSession(h.createDeps, h.request({ idempotency_key: 'k-1' }));
    const again = await createSession(h.createDeps, h.request({ idempotency_key: 'k-1' }));
    expect(again.replayed).toBe(true);
    expect(again.session.id).toBe(first.session.id);
    expect(again.ssh_private_key).toBe(first.ssh_private_key);
    expect(h.workflows.started).toHaveLength(1);
    const changed = await createSession(h.createDeps, h.request({ idempotency_key: 'k-1', reservation_hours: 2 })).catch(
      (e: unknown) => e,
    );
    expect(changed).toBeInstanceOf(ConflictError);
    expect((changed as ConflictError).errorType).toBe('idempotency_key_reused');
  });

  it('ends the session and frees the offer when provisioning cannot be started', async () => {
    const h = await provisioningHarness({ offers: [OFFER] });
    h.workflows.fail = true;
    await expect(createSession(h.createDeps, h.request())).rejects.toMatchObject({ name: 'ProvisioningUnavailableError' });
    const [stored] = (await h.sessions.list({ limit: 5 })).sessions;
    expect(stored?.status).toBe('failed');
    expect(await h.sessions.getSecret(stored!.id)).toBeUndefined();
    h.workflows.fail = false;
    const again = await createSession(h.createDeps, h.request());
    expect(again).toMatchObject({ session: { offer_id: OFFER.id, status: 'pending' }, replayed: false });
    expect(again.session.id).not.toBe(stored!.id);
  });
});
