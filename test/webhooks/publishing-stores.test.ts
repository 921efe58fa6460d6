// The session store and event log publish consumer events exactly once per change they write, against DynamoDB Local:
// a status change per winning write (never for a write that changed no status, nor for a lost race), the timeline's
// failed attempts, refunds and retries, and budget alerts beside the existing sink.
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoSessionEventLog } from '../../shared/adapters/dynamodb/session-event-log.ts';
import { DynamoSessionStore } from '../../shared/adapters/dynamodb/session-store/store.ts';
import type { BudgetAlert } from '../../shared/ports/budgets.ts';
import type { ConsumerEvent } from '../../shared/ports/consumer-events.ts';
import { BusBudgetAlerts, FanOutBudgetAlerts } from '../../shared/use-cases/events/bus-budget-alerts.ts';
import { PublishingEventLog } from '../../shared/use-cases/events/publishing-event-log.ts';
import { PublishingSessionStore, safePublisher } from '../../shared/use-cases/events/publishing-session-store.ts';
import { offer } from '../support/inventory-fixtures.ts';

const offerFixture = () => offer({ id: `vastai:${Math.floor(Math.random() * 1e9)}` });
import { storeSession } from '../support/stored-session.ts';
import { freshTable } from '../support/table.ts';

let inner: DynamoSessionStore;
let log: DynamoSessionEventLog;

beforeAll(async () => {
  const { db, tableName } = await freshTable('pub');
  inner = new DynamoSessionStore(db, tableName);
  log = new DynamoSessionEventLog(db, tableName);
});

function recording() {
  const published: ConsumerEvent[] = [];
  return { published, publish: async (events: ConsumerEvent[]) => void published.push(...events) };
}

describe('PublishingSessionStore', () => {
  it('publishes pending on create, then one event per status change with a deterministic id, and the public view', async () => {
    const { published, publish } = recording();
    const store = new PublishingSessionStore(inner, publish, () => new Date('2026-01-01T00:00:00Z'));
    const s = await storeSession(store, { offer: offerFixture(), status: 'pending' });
    expect(published.map((e) => [e.type, e.detail['status']])).toEqual([['session.status_changed', 'pending']]);

    await store.apply(s.id, () => ({ status: 'provisioning' }));
    // a write that changes no status is no event
    await store.apply(s.id, () => ({ phase: 'creating_instance' }));
    // a mutation that leaves the session alone is none either
    await store.apply(s.id, () => undefined);
    await store.apply(s.id, () => ({ status: 'running' }));
    expect(published.map((e) => e.detail['status'])).toEqual(['pending', 'provisioning', 'running']);
    const running = published[2]!;
    expect(running).toMatchObject({
      id: `${s.id}.v4.status_changed`,
      consumer_id: s.consumer_id,
      session_id: s.id,
      detail: { id: s.id, status: 'running', previous_status: 'provisioning' },
    });
    // the public view, never the key material the store keeps beside it
    expect(JSON.stringify(published)).not.toContain('not-a-key');
    expect(running.detail).not.toHaveProperty('secret');
  });

  it('publishes once when two writers race: only the winning write of the change', async () => {
    const { published, publish } = recording();
    const store = new PublishingSessionStore(inner, publish, () => new Date());
    const s = await storeSession(inner, { offer: offerFixture(), status: 'running' });
    const stop = (cur: { status: string }) => (cur.status === 'running' ? { status: 'stopping' as const } : undefined);
    await Promise.all([store.apply(s.id, stop), store.apply(s.id, stop), store.apply(s.id, stop)]);
    expect(published.filter((e) => e.session_id === s.id).map((e) => e.detail['status'])).toEqual(['stopping']);
  });

  it('does not fail the write when the bus fails (reported instead)', async () => {
    const failures: string[] = [];
    const publish = safePublisher({ publish: () => Promise.reject(new Error('bus down')) }, (_e, events) =>
      failures.push(...events.map((e) => e.id)),
    );
    const store = new PublishingSessionStore(inner, publish, () => new Date());
    const s = await storeSession(store, { offer: offerFixture(), status: 'pending' });
    const { session: after } = await store.apply(s.id, () => ({ status: 'failed' }));
    expect(after.status).toBe('failed');
    expect(failures).toEqual([`${s.id}.v1.status_changed`, `${s.id}.v2.status_changed`]);
  });
});

describe('PublishingEventLog', () => {
  it('publishes failed attempts, refunds and retries on another offer, and nothing else of the timeline', async () => {
    const { published, publish } = recording();
    const events = new PublishingEventLog(log, inner, publish);
    const s = await storeSession(inner, { offer: offerFixture(), status: 'provisioning' });
    const at = '2026-01-01T00:00:00.000Z';
    await events.append(s.id, [
      { type: 'ssh_attempt', at, attempt: 1 },
      { type: 'attempt_failed', at, attempt: 1, error_type: 'ssh_timeout', message: 'no SSH' },
      { type: 'refund_recorded', at, attempt: 1, amount: 0.12, currency: 'USD' },
    ]);
    await events.append(s.id, [{ type: 'retrying', at, attempt: 2, offer_id: 'vastai:2', message: 'retrying' }]);
    // the end of retries (no offer) is not a retry: the failure that follows is the event
    await events.append(s.id, [{ type: 'retrying', at, attempt: 2, message: 'no comparable offer left' }]);
    expect(published.map((e) => [e.type, e.id])).toEqual([
      ['session.attempt_failed', `${s.id}.attempt_failed.1`],
      ['session.refunded', `${s.id}.refund_recorded.1`],
      ['session.retrying', `${s.id}.retrying.2`],
    ]);
    expect(published[0]!.detail).toMatchObject({ id: s.id, status: 'provisioning', event: { error_type: 'ssh_timeout' } });
    // the timeline itself is written as before
    expect((await log.list(s.id)).map((e) => e.type).sort()).toEqual(['attempt_failed', 'refund_recorded', 'retrying', 'retrying', 'ssh_attempt']);
  });
});

describe('budget alerts on the bus', () => {
  const alert: BudgetAlert = {
    type: 'budget_threshold',
    consumer_id: 'acme',
    month: '2026-01',
    level: 80,
    limit_usd: 100,
    committed_usd: 81,
    held_usd: 1,
    settled_usd: 80,
    on_exceeded: 'block',
    at: '2026-01-10T00:00:00.000Z',
  };

  it('publishes budget.threshold with an id per month and level, beside the other sink even when that one fails', async () => {
    const { published, publish } = recording();
    const failing = { publish: () => Promise.reject(new Error('sns down')) };
    await expect(new FanOutBudgetAlerts([failing, new BusBudgetAlerts(publish)]).publish(alert)).rejects.toThrow('sns down');
    expect(published).toEqual([
      { id: 'budget.acme.2026-01.80', type: 'budget.threshold', consumer_id: 'acme', at: alert.at, detail: alert },
    ]);
  });
});
