// One contract per store port, run against the DynamoDB adapter (test/adapters/store-contracts.test.ts, integration)
// and against the in-memory fake (test/unit/memory-stores.test.ts, unit): what the use cases may rely on, so the
// fake that keeps use-case tests off Java cannot drift from the table.
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, NotFoundError, ValidationError } from '../../shared/domain/errors.ts';
import type { Session, SessionStatus } from '../../shared/domain/session.ts';
import type { CostLedger } from '../../shared/ports/cost-ledger.ts';
import type { SessionEventLog } from '../../shared/ports/session-events.ts';
import type { SessionStore } from '../../shared/ports/session-store.ts';
import type { VerificationHistory } from '../../shared/ports/verification-history.ts';
import { offer } from '../support/inventory-fixtures.ts';

export interface StoreUnderTest {
  sessions: SessionStore;
  events: SessionEventLog;
  costs: CostLedger;
  history: VerificationHistory;
  /** the consumer's monthly budget (null: none) */
  setLimit(consumerId: string, usd: number | null): Promise<void>;
  /** what the consumer's month has committed (held + settled) */
  committed(consumerId: string, month: string): Promise<number>;
}

const T0 = Date.parse('2026-12-07T09:00:00Z');
let serial = 0;

function newSession(over: Partial<Session> & { consumer_id?: string; status?: SessionStatus } = {}): Session {
  serial += 1;
  const id = `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`;
  const o = offer({ id: over.requested_offer_id ?? `vastai-${serial}` });
  const created = new Date(T0 + serial * 1000).toISOString();
  return {
    id,
    consumer_id: 'team-c',
    status: 'pending',
    phase: 'queued',
    requested_offer_id: o.id,
    offer_id: o.id,
    provider: o.provider,
    gpu_type: o.gpu_type,
    gpu_count: o.gpu_count,
    vram_gb: o.vram_gb,
    price_per_hour: o.price_per_hour,
    workload_type: 'ssh',
    reservation_hours: 1,
    created_at: created,
    expires_at: new Date(T0 + serial * 1000 + 3_600_000).toISOString(),
    hard_max_at: new Date(T0 + serial * 1000 + 12 * 3_600_000).toISOString(),
    auto_retry: false,
    max_retries: 0,
    retry_scope: 'same_gpu',
    retry_count: 0,
    attempts: [],
    failed_offers: [],
    failed_hosts: [],
    version: 1,
    ...over,
  };
}

const secretOf = (s: Session) => ({ session_id: s.id, private_key_ciphertext: `ct-${s.id}`, public_keys: ['ssh-ed25519 AAAA k'] });

async function stored(store: SessionStore, over: Parameters<typeof newSession>[0] = {}): Promise<Session> {
  const s = newSession(over);
  const outcome = await store.create({ session: s, secret: secretOf(s) });
  expect(outcome).toEqual({ kind: 'created', session: s });
  return s;
}

export function storeContracts(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`${name}: SessionStore`, () => {
    it('creates, reads back and writes a session whole under its version', async () => {
      const { sessions } = await make();
      const s = await stored(sessions, { error: 'old' });
      expect(await sessions.get(s.id)).toEqual(s);
      expect(await sessions.get('00000000-0000-4000-8000-ffffffffffff')).toBeUndefined();
      const written = await sessions.apply(s.id, () => ({ phase: 'creating_instance', error: undefined }));
      expect(written.applied).toBe(true);
      expect(written.session).toMatchObject({ phase: 'creating_instance', version: 2 });
      const back = await sessions.get(s.id);
      expect(back).toMatchObject({ phase: 'creating_instance', version: 2 });
      // a field set to undefined is gone, as the table drops it
      expect(back).not.toHaveProperty('error');
    });

    it('leaves a session alone when the mutation returns nothing, and refuses an unknown id', async () => {
      const { sessions } = await make();
      const s = await stored(sessions);
      expect(await sessions.apply(s.id, () => undefined)).toEqual({ session: s, applied: false });
      await expect(sessions.apply('00000000-0000-4000-8000-fffffffffffe', () => ({ phase: 'ready' }))).rejects.toBeInstanceOf(NotFoundError);
    });

    it('runs the mutation again on the stored session when the known one is stale, and loses no concurrent write', async () => {
      const { sessions } = await make();
      const s = await stored(sessions);
      await sessions.apply(s.id, (c) => ({ retry_count: c.retry_count + 1 }));
      const seen: number[] = [];
      const { session } = await sessions.apply(
        s.id,
        (c) => {
          seen.push(c.version);
          return { retry_count: c.retry_count + 1 };
        },
        s, // version 1, the store has 2
      );
      expect(seen).toEqual([1, 2]);
      expect(session).toMatchObject({ retry_count: 2, version: 3 });
      await Promise.all(Array.from({ length: 5 }, () => sessions.apply(s.id, (c) => ({ retry_count: c.retry_count + 1 }))));
      expect(await sessions.get(s.id)).toMatchObject({ retry_count: 7, version: 8 });
    });

    it('holds one active session per consumer and offer, and frees the offer once it has ended', async () => {
      const { sessions } = await make();
      const first = await stored(sessions, { requested_offer_id: 'vastai-lock' });
      const again = newSession({ requested_offer_id: 'vastai-lock' });
      expect(await sessions.create({ session: again, secret: secretOf(again) })).toEqual({ kind: 'duplicate', existing_session_id: first.id });
      expect(await sessions.get(again.id)).toBeUndefined();
      await stored(sessions, { requested_offer_id: 'vastai-lock', consumer_id: 'team-other' });
      // ended without releasing its lock (a crash): the next create clears it
      await sessions.apply(first.id, () => ({ status: 'failed', phase: 'failed' }));
      await stored(sessions, { requested_offer_id: 'vastai-lock' });
    });

    it('releases only the lock its own session holds', async () => {
      const { sessions } = await make();
      const first = await stored(sessions, { requested_offer_id: 'vastai-rel' });
      await sessions.apply(first.id, () => ({ status: 'stopped', phase: 'stopped' }));
      const second = await stored(sessions, { requested_offer_id: 'vastai-rel' });
      await sessions.releaseOfferLock(first); // the lock is the second's now
      const third = newSession({ requested_offer_id: 'vastai-rel' });
      expect(await sessions.create({ session: third, secret: secretOf(third) })).toEqual({ kind: 'duplicate', existing_session_id: second.id });
      await sessions.releaseOfferLock(second);
      expect((await sessions.create({ session: third, secret: secretOf(third) })).kind).toBe('created');
    });

    it('replays an Idempotency-Key with the session it created and its request hash', async () => {
      const { sessions } = await make();
      const s = newSession();
      const idempotency = { key: 'k-1', request_hash: 'h-1' };
      expect((await sessions.create({ session: s, secret: secretOf(s), idempotency })).kind).toBe('created');
      const retry = newSession({ requested_offer_id: 'vastai-other' });
      expect(await sessions.create({ session: retry, secret: secretOf(retry), idempotency: { key: 'k-1', request_hash: 'h-2' } })).toEqual({
        kind: 'replayed',
        session: s,
        request_hash: 'h-1',
      });
      expect(await sessions.get(retry.id)).toBeUndefined();
    });

    it('keeps the secret until it is deleted', async () => {
      const { sessions } = await make();
      const s = await stored(sessions);
      expect(await sessions.getSecret(s.id)).toEqual(secretOf(s));
      await sessions.deleteSecret(s.id);
      expect(await sessions.getSecret(s.id)).toBeUndefined();
    });

    it('lists newest first, by consumer or all, filtered, a page at a time', async () => {
      const { sessions } = await make();
      const mine = [];
      for (let i = 0; i < 5; i++) mine.push(await stored(sessions, { consumer_id: 'team-list', provider: i % 2 ? 'tensordock' : 'vastai' }));
      await stored(sessions, { consumer_id: 'team-else' });
      await sessions.apply(mine[1]!.id, () => ({ status: 'running', phase: 'ready' }));
      const newestFirst = mine.map((s) => s.id).reverse();
      const first = await sessions.list({ consumer_id: 'team-list', limit: 2 });
      expect(first.sessions.map((s) => s.id)).toEqual(newestFirst.slice(0, 2));
      expect(first.next_cursor).toEqual(expect.any(String));
      const second = await sessions.list({ consumer_id: 'team-list', limit: 2, cursor: first.next_cursor });
      expect(second.sessions.map((s) => s.id)).toEqual(newestFirst.slice(2, 4));
      const last = await sessions.list({ consumer_id: 'team-list', limit: 2, cursor: second.next_cursor });
      expect(last.sessions.map((s) => s.id)).toEqual(newestFirst.slice(4));
      expect(last.next_cursor).toBeUndefined();
      expect((await sessions.list({ limit: 10 })).sessions).toHaveLength(6);
      expect((await sessions.list({ consumer_id: 'team-list', status: 'running', limit: 10 })).sessions.map((s) => s.id)).toEqual([mine[1]!.id]);
      expect((await sessions.list({ consumer_id: 'team-list', provider: 'tensordock', limit: 10 })).sessions.map((s) => s.id)).toEqual([
        mine[3]!.id,
        mine[1]!.id,
      ]);
    });

    it('refuses a cursor it did not issue for the query', async () => {
      const { sessions } = await make();
      for (let i = 0; i < 2; i++) await stored(sessions, { consumer_id: 'team-cur' });
      const all = await sessions.list({ limit: 1 });
      await expect(sessions.list({ consumer_id: 'team-cur', limit: 1, cursor: all.next_cursor })).rejects.toBeInstanceOf(ValidationError);
      await expect(sessions.list({ limit: 1, cursor: 'not-a-cursor' })).rejects.toMatchObject({ name: 'ValidationError', details: { field: 'cursor' } });
    });

    it('finds the unfinished sessions, and the ended ones whose hold is not settled', async () => {
      const { sessions } = await make();
      const [pending, running, stopping, stopped, held, settled] = [
        await stored(sessions),
        await stored(sessions),
        await stored(sessions),
        await stored(sessions),
        await stored(sessions, { hold_usd: 0.5, hold_month: '2026-12' }),
        await stored(sessions, { hold_usd: 0.5, hold_month: '2026-12' }),
      ];
      await sessions.apply(running!.id, () => ({ status: 'running' }));
      await sessions.apply(stopping!.id, () => ({ status: 'stopping' }));
      await sessions.apply(stopped!.id, () => ({ status: 'stopped' }));
      await sessions.apply(held!.id, () => ({ status: 'failed', stopped_at: new Date(T0 + 99_000_000).toISOString() }));
      await sessions.apply(settled!.id, () => ({ status: 'stopped', hold_usd: 0, settled_usd: 0.1, hold_settled_at: new Date(T0).toISOString() }));
      // by expires_at: creation order here
      expect((await sessions.listUnfinished()).map((s) => s.id)).toEqual([pending!.id, running!.id, stopping!.id]);
      expect((await sessions.listUnsettled()).map((s) => s.id)).toEqual([held!.id]);
    });

    it('moves the month counter with every hold change, and refuses growth past the budget without writing', async () => {
      const store = await make();
      const { sessions } = store;
      await store.setLimit('team-b', 1);
      const s = await stored(sessions, { consumer_id: 'team-b', hold_usd: 0.6, hold_month: '2026-12' });
      expect(await store.committed('team-b', '2026-12')).toBe(0.6);
      const over = newSession({ consumer_id: 'team-b', hold_usd: 0.6, hold_month: '2026-12' });
      await expect(sessions.create({ session: over, secret: secretOf(over) })).rejects.toMatchObject({
        name: 'BudgetExceededError',
        details: { limit_usd: 1, committed_usd: 0.6, requested_usd: 0.6, remaining_usd: 0.4 },
      });
      expect(await sessions.get(over.id)).toBeUndefined();
      await expect(sessions.apply(s.id, () => ({ hold_usd: 1.2 }))).rejects.toBeInstanceOf(BudgetExceededError);
      expect(await sessions.get(s.id)).toMatchObject({ hold_usd: 0.6, version: 1 });
      await sessions.apply(s.id, () => ({ hold_usd: 0.9 }));
      expect(await store.committed('team-b', '2026-12')).toBe(0.9);
      await sessions.apply(s.id, () => ({ status: 'stopped', hold_usd: 0, settled_usd: 0.2, hold_settled_at: new Date(T0).toISOString() }));
      expect(await store.committed('team-b', '2026-12')).toBe(0.2);
      // without a budget nothing is refused
      const free = await stored(sessions, { consumer_id: 'team-free', hold_usd: 50, hold_month: '2026-12' });
      expect(await store.committed('team-free', '2026-12')).toBe(50);
      expect((await sessions.apply(free.id, () => ({ hold_usd: 80 }))).applied).toBe(true);
    });
  });

  describe(`${name}: CostLedger`, () => {
    const record = (attempt: number, over: { session_id?: string; consumer_id?: string; started_at?: string } = {}) => ({
      session_id: over.session_id ?? 'sess-1',
      consumer_id: over.consumer_id ?? 'team-c',
      attempt,
      provider: 'vastai' as const,
      gpu_type: 'RTX 4090',
      instance_id: `i-${attempt}`,
      price_per_hour: 0.36,
      started_at: over.started_at ?? new Date(T0).toISOString(),
    });
    const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

    it('opens once, bills a running attempt at its first confirmed end, and reads back in attempt order', async () => {
      const { costs } = await make();
      await costs.open(record(2));
      await costs.open(record(1));
      await costs.open({ ...record(1), price_per_hour: 9 }); // a retried task: the record stands
      await costs.markRunning('sess-1', 1);
      await costs.markRunning('sess-1', 7); // no record: nothing
      expect(await costs.close('sess-1', 1, at(10))).toMatchObject({ ended_at: at(10), provider_cost: 0.06, billed_cost: 0.06, refunded: false });
      expect(await costs.close('sess-1', 1, at(20))).toMatchObject({ ended_at: at(10), provider_cost: 0.06 });
      expect(await costs.close('sess-1', 9, at(20))).toBeUndefined();
      const both = await costs.forSession('sess-1');
      expect(both.map((r) => [r.attempt, r.price_per_hour, r.currency])).toEqual([
        [1, 0.36, 'USD'],
        [2, 0.36, 'USD'],
      ]);
    });

    it('refunds all an attempt cost, whether the refund comes before its end or after', async () => {
      const { costs } = await make();
      await costs.open(record(1));
      await costs.open(record(2));
      await costs.markRunning('sess-1', 2);
      expect(await costs.refund('sess-1', 1, 'ssh_timeout')).toMatchObject({ refunded: true, refund_amount: 0, billed_cost: 0, refund_reason: 'ssh_timeout' });
      expect(await costs.close('sess-1', 1, at(10))).toMatchObject({ provider_cost: 0.06, billed_cost: 0, refund_amount: 0.06 });
      await costs.close('sess-1', 2, at(10));
      expect(await costs.refund('sess-1', 2, 'orphan')).toMatchObject({ billed_cost: 0, refund_amount: 0.06 });
      expect(await costs.refund('sess-1', 2, 'again')).toMatchObject({ refund_reason: 'orphan' });
      expect(await costs.refund('sess-1', 9, 'none')).toBeUndefined();
    });

    it('lists a consumer’s records, or everyone’s, by start time within the range', async () => {
      const { costs } = await make();
      await costs.open(record(1, { session_id: 'a', consumer_id: 'team-x', started_at: at(30) }));
      await costs.open(record(1, { session_id: 'b', consumer_id: 'team-x', started_at: at(10) }));
      await costs.open(record(1, { session_id: 'c', consumer_id: 'team-y', started_at: at(20) }));
      await costs.open(record(1, { session_id: 'd', consumer_id: 'team-x', started_at: at(90) }));
      const range = [new Date(at(0)), new Date(at(60))] as const;
      expect((await costs.forConsumer('team-x', ...range)).map((r) => r.session_id)).toEqual(['b', 'a']);
      expect((await costs.forConsumer(undefined, ...range)).map((r) => r.session_id)).toEqual(['b', 'c', 'a']);
    });
  });

  describe(`${name}: SessionEventLog and VerificationHistory`, () => {
    it('reads a timeline back in time order, whatever the order of the appends', async () => {
      const { events } = await make();
      const e = (minute: number, type: 'running' | 'ssh_attempt' = 'ssh_attempt') => ({ type, at: new Date(T0 + minute * 60_000).toISOString() });
      await events.append('s-1', [e(1), e(4)]);
      await events.append('s-1', []);
      await events.append('s-1', [e(2), e(5, 'running')]);
      await events.append('s-2', [e(3)]);
      expect((await events.list('s-1')).map((x) => x.at)).toEqual([e(1), e(2), e(4), e(5)].map((x) => x.at));
      expect(await events.list('s-3')).toEqual([]);
    });

    it('keeps the last 20 verification times per provider and GPU, whatever the GPU name’s spelling', async () => {
      const { history } = await make();
      for (let i = 1; i <= 22; i++) await history.record('vastai', i % 2 ? 'RTX 4090' : 'GeForce RTX 4090', i);
      expect(await history.recent('vastai', 'rtx4090')).toEqual(Array.from({ length: 20 }, (_, i) => i + 3));
      expect(await history.recent('tensordock', 'RTX 4090')).toEqual([]);
    });
  });
}
