// Budget holds through the real state machines, handlers and DynamoDB against the simulated marketplaces: a hold
// refuses the second session, a retry onto an offer the budget cannot cover does not happen, and every ended
// session's hold is settled at what the ledger billed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../local/sim/scenario.ts';
import { type Harness, startHarness } from '../support/runtime-harness.ts';

const scenario: ScenarioInput = {
  vastai: {
    defaults: { boot_seconds: 1, ssh: 'ok' },
    hosts: { silent: { ssh: 'never' } },
    offers: [
      { gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US', count: 2 },
      { gpu: 'RTX 3090', vram_gb: 24, price: 0.06, location: 'Quebec, CA', host: 'silent' },
      { gpu: 'RTX 3090', vram_gb: 24, price: 0.07, location: 'Ohio, US' },
    ],
  },
};

// the default 50 GB disk at the simulated Vast.ai's $0.10/GB-month: 50 × 0.10 / 720 an hour
const allIn = (dphBase: number) => Math.round((dphBase + (50 * 0.1) / 720) * 1e6) / 1e6;

let h: Harness;

beforeAll(async () => {
  h = await startHarness(scenario, { POWERTOOLS_METRICS_DISABLED: 'true' });
});

afterAll(async () => {
  await h?.stop();
});

/** The hold is settled by the write after the one that ended the session (and its event): wait for that one too. */
async function settled(id: string, statuses: string[]): Promise<Record<string, unknown>> {
  for (let i = 0; ; i++) {
    const s = await h.waitFor(id, statuses);
    const hold = s['budget_hold'] as Record<string, unknown> | undefined;
    if (!hold || hold['settled_at'] || i >= 50) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const budget = (consumer: string, limit: number) =>
  h.api('PUT', `/api/v1/budgets/${consumer}`, { monthly_limit_usd: limit }).then((r) => expect(r.status).toBe(200));
const summary = async (consumer: string) =>
  (await h.api<Record<string, number>>('GET', `/api/v1/costs/summary?consumer_id=${consumer}`)).body;
const create = (consumer: string, offerId: string, extra: Record<string, unknown> = {}) =>
  h.api<Record<string, unknown>>('POST', '/api/v1/sessions', {
    consumer_id: consumer,
    offer_id: offerId,
    workload_type: 'llm',
    reservation_hours: 1,
    auto_retry: false,
    ...extra,
  });

describe.concurrent('budget holds against the simulated marketplaces', () => {
  it('the hold refuses a second session; the first runs, ends, and its hold becomes what the ledger billed', async () => {
    await budget('holds-run', 0.09);
    const first = await create('holds-run', await h.offerId('RTX 5060 Ti', 'vastai', 0));
    expect(first.status).toBe(201);
    const second = await create('holds-run', await h.offerId('RTX 5060 Ti', 'vastai', 1));
    expect(second.status).toBe(402);
    expect(second.body).toMatchObject({ error_type: 'budget_exceeded', limit_usd: 0.09, committed_usd: allIn(0.05), requested_usd: allIn(0.05) });

    const id = String((first.body['session'] as Record<string, unknown>)['id']);
    expect((await h.waitFor(id, ['running', 'failed']))['status']).toBe('running');
    const during = await summary('holds-run');
    expect(during['committed_usd']).toBe(allIn(0.05));
    expect(during['remaining_usd']).toBeCloseTo(0.09 - allIn(0.05), 6);
    await h.api('DELETE', `/api/v1/sessions/${id}`);
    const ended = await settled(id, ['stopped', 'failed']);
    expect(ended).toMatchObject({ status: 'stopped', budget_hold: { held_usd: 0 } });
    const hold = ended['budget_hold'] as Record<string, unknown>;
    expect(hold['settled_at']).toBeDefined();

    const billed = Number((await h.api<Record<string, unknown>>('GET', `/api/v1/costs?session_id=${id}`)).body['total_cost']);
    expect(billed).toBeGreaterThan(0);
    expect(hold['settled_usd']).toBe(billed);
    expect(await summary('holds-run')).toMatchObject({ committed_usd: billed, held_usd: 0, spent_usd: billed });
  });

  it('a retry onto a dearer offer the budget cannot cover does not happen; the failed session holds nothing', async () => {
    await budget('holds-retry', 0.07);
    const created = await create('holds-retry', await h.offerId('RTX 3090'), { auto_retry: true, max_retries: 2 });
    expect(created.status).toBe(201);
    const id = String((created.body['session'] as Record<string, unknown>)['id']);
    const ended = await settled(id, ['running', 'failed']);
    expect(ended).toMatchObject({ status: 'failed', error_type: 'ssh_timeout', retry_count: 0, budget_hold: { held_usd: 0, settled_usd: 0 } });
    const events = (await h.api<{ events: Record<string, unknown>[] }>('GET', `/api/v1/sessions/${id}/events`)).body.events;
    expect(events.some((e) => e['type'] === 'retrying' && String(e['message']).includes('budget'))).toBe(true);
    expect(await summary('holds-retry')).toMatchObject({ committed_usd: 0, held_usd: 0 });
  });
});
