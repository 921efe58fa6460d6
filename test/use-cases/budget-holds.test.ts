// Budgets as holds, against DynamoDB Local: create, extend and retries reserve price × hours in one conditional
// write, so neither a sequence nor a burst of parallel requests holds more than the limit; ending settles the hold
// at the ledger's cost; alerts go out once per level; on_exceeded stop ends the sessions.
import { describe, expect, it } from 'vitest';
import { DynamoBudgetStore } from '../../shared/adapters/dynamodb/budget-store.ts';
import { holdMonth } from '../../shared/domain/budget-hold.ts';
import { BudgetExceededError } from '../../shared/domain/errors.ts';
import type { BudgetAlert, BudgetAlerts, OnExceeded } from '../../shared/ports/budgets.ts';
import { budgetWatch } from '../../shared/use-cases/costs/budget-watch.ts';
import { settleHold } from '../../shared/use-cases/costs/settle-hold.ts';
import { stopOverBudget } from '../../shared/use-cases/costs/stop-over-budget.ts';
import { beginProvisioning } from '../../shared/use-cases/provisioning/begin-provisioning.ts';
import { chooseRetryOffer } from '../../shared/use-cases/provisioning/choose-retry-offer.ts';
import { createInstance } from '../../shared/use-cases/provisioning/create-instance.ts';
import { markFailed } from '../../shared/use-cases/provisioning/mark-failed.ts';
import { verifySsh } from '../../shared/use-cases/provisioning/verify-ssh.ts';
import { createSession } from '../../shared/use-cases/sessions/create-session.ts';
import { extendSession } from '../../shared/use-cases/sessions/extend-session.ts';
import { sweepSessions } from '../../shared/use-cases/sessions/sweep-sessions.ts';
import { requestTeardown } from '../../shared/use-cases/teardown/request-teardown.ts';
import { closeSession, destroySessionInstances, stopProvisioning } from '../../shared/use-cases/teardown/teardown-steps.ts';
import type { Offer } from '../../shared/domain/offer.ts';
import { offer } from '../fakes/fake-inventory.ts';
import { dynamoProvisioningHarness } from '../support/provisioning-harness.ts';

class RecordingAlerts implements BudgetAlerts {
  sent: BudgetAlert[] = [];
  async publish(alert: BudgetAlert): Promise<void> {
    this.sent.push(alert);
  }
}

const offers = (n: number, price: number, prefix = 'vastai-3') =>
  Array.from({ length: n }, (_, i) => offer({ id: `${prefix}${String(i).padStart(2, '0')}`, price_per_hour: price }));

async function budgeted(list: Offer[], limit: number, onExceeded: OnExceeded = 'block', probe?: () => 'ok' | 'refused') {
  const h = await dynamoProvisioningHarness({ offers: list, probe });
  const budgets = new DynamoBudgetStore(h.db, h.tableName);
  const alerts = new RecordingAlerts();
  const watch = budgetWatch({
    budgets,
    alerts,
    clock: h.clock.now,
    stopSessions: (c) => stopOverBudget(h.teardownDeps, c),
    onError: (err) => {
      throw err;
    },
  });
  h.createDeps.watchBudget = watch;
  h.deps.watchBudget = watch;
  h.teardownDeps.watchBudget = watch;
  const setLimit = (monthly_limit_usd: number, on_exceeded: OnExceeded = onExceeded) =>
    budgets.put({ consumer_id: 'erin', monthly_limit_usd, on_exceeded, updated_at: h.clock.now().toISOString() });
  await setLimit(limit);
  const month = () => budgets.commitment('erin', holdMonth(h.clock.now()));
  const extend = (session: Parameters<typeof extendSession>[1], hours: number) =>
    extendSession({ sessions: h.sessions, events: h.events, clock: h.clock.now, watchBudget: watch }, session, hours);
  return { h, budgets, alerts, watch, setLimit, month, extend, request: (o: Offer, hours = 1) => h.request({ consumer_id: 'erin', offer_id: o.id, reservation_hours: hours }) };
}

describe('budgets are holds', () => {
  it('the field report: three 1-hour sessions at $0.0609 under $0.10 — only the first; no extension past it', async () => {
    const list = offers(3, 0.0609);
    const b = await budgeted(list, 0.1);
    const first = await createSession(b.h.createDeps, b.request(list[0]!));
    expect(first.session.hold_usd).toBe(0.0609);
    for (const o of list.slice(1)) {
      const err = await createSession(b.h.createDeps, b.request(o)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BudgetExceededError);
      expect((err as BudgetExceededError).details).toMatchObject({ limit_usd: 0.1, committed_usd: 0.0609, requested_usd: 0.0609 });
    }
    expect((await b.h.sessions.list({ consumer_id: 'erin', limit: 10 })).sessions).toHaveLength(1);
    // 11 more hours would hold $0.7308: refused, and the session is as it was
    await expect(b.extend(first.session, 11)).rejects.toBeInstanceOf(BudgetExceededError);
    const stored = await b.h.sessions.get(first.session.id);
    expect(stored).toMatchObject({ reservation_hours: 1, expires_at: first.session.expires_at, hold_usd: 0.0609 });
    expect(await b.month()).toMatchObject({ held_usd: 0.0609, committed_usd: 0.0609 });
  });

  it('20 parallel creates and then 20 parallel extends never hold more than the limit', async () => {
    const list = offers(20, 0.4);
    const b = await budgeted(list, 2);
    const created = await Promise.allSettled(list.map((o) => createSession(b.h.createDeps, b.request(o))));
    const won = created.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(5); // 5 × $0.40 = $2.00
    expect(created.filter((r) => r.status === 'rejected').every((r) => r.reason instanceof BudgetExceededError)).toBe(true);
    expect((await b.month()).committed_usd).toBe(2);

    await b.setLimit(3); // room for $1.00: two more hours at $0.40
    const sessions = won.map((r) => r.value.session);
    const extends_ = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => b.extend(sessions[i % 5]!, 1)));
    expect(extends_.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const stored = (await b.h.sessions.list({ consumer_id: 'erin', limit: 50 })).sessions;
    const held = stored.reduce((n, s) => n + (s.hold_usd ?? 0), 0);
    expect(held).toBeCloseTo(2.8, 6);
    expect((await b.month()).committed_usd).toBeCloseTo(2.8, 6);
    expect(stored.reduce((n, s) => n + s.reservation_hours, 0)).toBe(7);
  });

  it('the limit in force is read for every write: a raised limit admits what a lower one refused', async () => {
    const list = offers(2, 0.4);
    const b = await budgeted(list, 0.5);
    await createSession(b.h.createDeps, b.request(list[0]!));
    await b.setLimit(0.7);
    await expect(createSession(b.h.createDeps, b.request(list[1]!))).rejects.toBeInstanceOf(BudgetExceededError);
    await b.setLimit(0.8);
    await expect(createSession(b.h.createDeps, b.request(list[1]!))).resolves.toMatchObject({
      session: { offer_id: list[1]!.id, status: 'pending', hold_usd: 0.4 },
    });
    expect((await b.month()).committed_usd).toBe(0.8);
  });

  it('a retry onto a dearer offer grows the hold, or falls back to an offer the hold covers, or does not retry', async () => {
    const original = offer({ id: 'vastai-400', price_per_hour: 0.4 });
    const dearer = offer({ id: 'vastai-401', price_per_hour: 0.46 });
    const cheaper = offer({ id: 'vastai-402', price_per_hour: 0.39 });

    const retried = async (limit: number, candidates: Offer[]) => {
      const b = await budgeted([original], limit);
      const { session } = await createSession(b.h.createDeps, b.request(original, 2));
      await beginProvisioning(b.h.deps, { session_id: session.id });
      b.h.inventory.add(...candidates);
      const decision = await chooseRetryOffer(b.h.deps, { session_id: session.id, attempt: 1, failure_type: 'ssh_timeout' });
      return { b, decision, session: (await b.h.sessions.get(session.id))! };
    };

    const grows = await retried(1, [dearer]);
    expect(grows.decision.retry).toBe(true);
    expect(grows.session).toMatchObject({ offer_id: dearer.id, hold_usd: 0.92 });
    expect((await grows.b.month()).committed_usd).toBe(0.92);

    const refused = await retried(0.9, [dearer]);
    expect(refused.decision.retry).toBe(false);
    expect(refused.session).toMatchObject({ offer_id: original.id, hold_usd: 0.8, retry_count: 0 });
    const events = await refused.b.h.events.list(refused.session.id);
    expect(events.some((e) => e.type === 'retrying' && String(e['message']).includes('budget'))).toBe(true);
    expect(refused.b.alerts.sent.map((a) => a.level)).toEqual([80, 100]);

    const fallback = await retried(0.9, [dearer, cheaper]);
    expect(fallback.decision.retry).toBe(true);
    // the cheaper offer needs no more than is held: the hold stays as it was
    expect(fallback.session).toMatchObject({ offer_id: cheaper.id, hold_usd: 0.8 });
  });

  it('ending settles the hold at what the ledger billed; a failed session settles at 0', async () => {
    const list = offers(2, 0.4);
    const b = await budgeted(list, 5, 'block', () => 'ok');
    const { session } = await createSession(b.h.createDeps, b.request(list[0]!, 3));
    const state = await beginProvisioning(b.h.deps, { session_id: session.id });
    await createInstance(b.h.deps, state);
    b.h.vast.setStatus(b.h.vast.instances[0]!.id, 'running', 'running');
    await verifySsh(b.h.deps, state);
    b.h.clock.advance(30 * 60_000);
    await requestTeardown(b.h.teardownDeps, session.id, 'deleted');
    await stopProvisioning(b.h.teardownDeps, { session_id: session.id });
    await destroySessionInstances(b.h.teardownDeps, { session_id: session.id });
    await closeSession(b.h.teardownDeps, { session_id: session.id });
    const ended = (await b.h.sessions.get(session.id))!;
    const billed = (await b.h.costs.forSession(session.id)).reduce((n, r) => n + (r.billed_cost ?? 0), 0);
    expect(billed).toBeGreaterThan(0.19);
    expect(ended).toMatchObject({ status: 'stopped', hold_usd: 0, settled_usd: billed });
    expect(ended.hold_settled_at).toBeDefined();
    expect(await b.month()).toMatchObject({ held_usd: 0, settled_usd: billed, committed_usd: billed, overrun_usd: 0 });
    // settling again changes nothing
    await settleHold(b.h.teardownDeps, ended);
    expect((await b.month()).committed_usd).toBe(billed);

    const second = await createSession(b.h.createDeps, b.request(list[1]!, 2));
    await beginProvisioning(b.h.deps, { session_id: second.session.id });
    await markFailed(b.h.deps, { session_id: second.session.id, attempt: 1, failure_type: 'ssh_timeout' });
    expect(await b.h.sessions.get(second.session.id)).toMatchObject({ status: 'failed', hold_usd: 0, settled_usd: 0 });
    expect((await b.month()).committed_usd).toBe(billed);
  });

  it('a session ended while its instance may still bill stays held until the sweep settles it', async () => {
    const list = offers(1, 0.4);
    const b = await budgeted(list, 5, 'block', () => 'ok');
    const { session } = await createSession(b.h.createDeps, b.request(list[0]!, 2));
    const state = await beginProvisioning(b.h.deps, { session_id: session.id });
    await createInstance(b.h.deps, state);
    await b.h.sessions.apply(session.id, () => ({ status: 'failed', phase: 'failed', error_type: 'destroy_failed' }));
    await settleHold(b.h.teardownDeps, (await b.h.sessions.get(session.id))!);
    expect((await b.h.sessions.get(session.id))?.hold_settled_at).toBeUndefined();
    expect(await b.h.sessions.listUnsettled()).toHaveLength(1);
    expect((await sweepSessions(b.h.teardownDeps)).holds_settled).toBe(0);
    b.h.clock.advance(10 * 60_000);
    await b.h.costs.close(session.id, 1, b.h.clock.now().toISOString());
    expect((await sweepSessions(b.h.teardownDeps)).holds_settled).toBe(1);
    expect(await b.h.sessions.listUnsettled()).toHaveLength(0);
    expect((await b.month()).held_usd).toBe(0);
  });

  it('alerts once at 80 % and once at 100 % of the limit', async () => {
    const list = offers(3, 0.4);
    const b = await budgeted(list, 1);
    await createSession(b.h.createDeps, b.request(list[0]!)); // 40 %
    expect(b.alerts.sent).toHaveLength(0);
    await createSession(b.h.createDeps, b.request(list[1]!)); // 80 %
    expect(b.alerts.sent).toEqual([expect.objectContaining({ level: 80, consumer_id: 'erin', limit_usd: 1, committed_usd: 0.8 })]);
    await expect(createSession(b.h.createDeps, b.request(list[2]!))).rejects.toBeInstanceOf(BudgetExceededError);
    await expect(createSession(b.h.createDeps, b.request(list[2]!))).rejects.toBeInstanceOf(BudgetExceededError);
    expect(b.alerts.sent.map((a) => a.level)).toEqual([80, 100]);
  });

  it('on_exceeded stop: a limit lowered under what is committed ends the running sessions; block leaves them', async () => {
    for (const mode of ['block', 'stop'] as const) {
      const list = offers(2, 0.4);
      const b = await budgeted(list, 2, mode);
      const sessions = await Promise.all(list.map((o) => createSession(b.h.createDeps, b.request(o))));
      await b.setLimit(0.5);
      await b.watch('erin', holdMonth(b.h.clock.now()));
      const statuses = await Promise.all(sessions.map(async (s) => (await b.h.sessions.get(s.session.id))!));
      if (mode === 'stop') {
        expect(statuses.every((s) => s.status === 'stopping' && s.ended_reason === 'budget_exceeded')).toBe(true);
      } else {
        expect(statuses.every((s) => s.status === 'pending')).toBe(true);
        await expect(b.extend(statuses[0]!, 1)).rejects.toBeInstanceOf(BudgetExceededError);
      }
    }
  });
});
