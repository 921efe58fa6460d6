// Price watches against DynamoDB Local: one shared check matches every active watch; a match fires exactly once
// (notify: one event; create: one session with the consumer's key, within the budget hold); a refusal keeps the watch
// active with its reason; an expired watch closes.
import { describe, expect, it } from 'vitest';
import { DynamoBudgetStore } from '../../shared/adapters/dynamodb/budget-store.ts';
import { DynamoWatchStore } from '../../shared/adapters/dynamodb/watch-store.ts';
import { matchingOffers } from '../../shared/domain/watch.ts';
import type { ConsumerEvent, ConsumerEventBus } from '../../shared/ports/consumer-events.ts';
import { createSession } from '../../shared/use-cases/sessions/create-session.ts';
import { type CheckWatchesDeps, checkWatches } from '../../shared/use-cases/watches/check-watches.ts';
import { createWatch, type NewWatch } from '../../shared/use-cases/watches/manage-watches.ts';
import { offer } from '../fakes/fake-inventory.ts';
import { dynamoProvisioningHarness } from '../support/provisioning-harness.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF0IXiDhkxg1vI/vgT1l3JvcZGDMYUPq8FAlzddZgBXd laptop';
const CHEAP_4090 = offer({ id: 'vastai-601', gpu_type: 'RTX 4090', vram_gb: 24, price_per_hour: 0.3, host_id: 'm-1' });
const DEAR_4090 = offer({ id: 'vastai-602', gpu_type: 'RTX 4090', vram_gb: 24, price_per_hour: 0.5, host_id: 'm-2' });
const A_3090 = offer({ id: 'vastai-603', gpu_type: 'RTX 3090', vram_gb: 24, price_per_hour: 0.2, host_id: 'm-3' });

class RecordingBus implements ConsumerEventBus {
  events: ConsumerEvent[] = [];
  async publish(events: ConsumerEvent[]) {
    this.events.push(...events);
  }
}

async function setup(offers = [DEAR_4090, A_3090]) {
  const h = await dynamoProvisioningHarness({ offers });
  // watches expire by DynamoDB TTL a week after expires_at, in real time: start the virtual clock at today
  h.clock.advance(Date.now() - h.clock.now().getTime());
  const watches = new DynamoWatchStore(h.db, h.tableName);
  const bus = new RecordingBus();
  const deps: CheckWatchesDeps = {
    watches,
    inventory: h.inventory,
    bus,
    clock: h.clock.now,
    defaultDiskGb: 50,
    createSession: async (req) => (await createSession(h.createDeps, req)).session.id,
  };
  const watch = (over: Partial<NewWatch> = {}) =>
    createWatch({ watches, clock: h.clock.now }, { consumer_id: 'team-w', filters: { gpu_type: 'rtx4090' }, max_price: 0.4, action: 'notify', ...over });
  return { h, watches, bus, deps, watch };
}

const SESSION = { workload_type: 'llm' as const, reservation_hours: 2, auto_retry: true, max_retries: 3, retry_scope: 'same_gpu' as const, ssh_public_key: KEY };

describe('price watches', () => {
  it('matches filters and the all-in price for its disk, cheapest first, never on an avoided host', () => {
    const offers = [DEAR_4090, CHEAP_4090, A_3090, { ...CHEAP_4090, id: 'vastai-604', host_id: 'm-bad' }].map((o) => ({
      ...o,
      confidence: 0.9,
      ...(o.host_id === 'm-bad' ? { host_avoided: true } : {}),
      base_price_per_hour: o.price_per_hour,
      disk_price_per_gb_hour: 0.001,
    }));
    const w = { filters: { gpu_type: 'RTX4090', disk_gb: 100 }, max_price: 0.45 };
    expect(matchingOffers(w, offers, 50).map((o) => [o.id, o.price_per_hour])).toEqual([['vastai-601', 0.4]]);
    expect(matchingOffers({ ...w, max_price: 0.39 }, offers, 50)).toEqual([]);
    expect(matchingOffers({ filters: {}, max_price: 1 }, offers, 50).map((o) => o.id)).toEqual(['vastai-603', 'vastai-601', 'vastai-602']);
  });

  it('notify: fires once, on the first check that sees a matching offer, with one watch.matched event', async () => {
    const { h, bus, deps, watch, watches } = await setup();
    const w = await watch();
    expect(await checkWatches(deps)).toMatchObject({ active: 1, fired: 0 });
    h.inventory.add(CHEAP_4090);
    expect(await checkWatches(deps)).toMatchObject({ fired: 1 });
    expect(await checkWatches(deps)).toMatchObject({ active: 0, fired: 0 });
    expect(await watches.get(w.id)).toMatchObject({ status: 'fired', checks: 2, matched: { offer_id: CHEAP_4090.id, price_per_hour: 0.3 } });
    expect(bus.events).toHaveLength(1);
    expect(bus.events[0]).toMatchObject({ type: 'watch.matched', consumer_id: 'team-w', detail: { offer: { offer_id: CHEAP_4090.id } } });
  });

  it('create: the session is made on the match with the consumer’s key; a crash before recording it makes no second', async () => {
    const { h, deps, watch, watches } = await setup([CHEAP_4090]);
    const w = await watch({ action: 'create', session: SESSION });
    expect(await checkWatches(deps)).toMatchObject({ created: 1, fired: 1 });
    const stored = (await watches.get(w.id))!;
    const session = (await h.sessions.get(stored.session_id!))!;
    expect(session).toMatchObject({ consumer_id: 'team-w', offer_id: CHEAP_4090.id, reservation_hours: 2 });
    expect((await h.sessions.getSecret(session.id))?.public_keys).toContain(KEY);
    expect(h.workflows.started).toEqual([session.id]);
    // as if the first check died after the create: the same request again is the same session
    expect(await deps.createSession({ consumer_id: 'team-w', offer_id: CHEAP_4090.id, ...SESSION, ssh_public_key: KEY, workload: undefined, idempotency_key: `watch-${w.id}` })).toBe(session.id);
  });

  it('create within the budget hold: refused, the watch stays active with the reason; an expired watch closes', async () => {
    const { h, deps, watch, watches } = await setup([CHEAP_4090]);
    await new DynamoBudgetStore(h.db, h.tableName).put({ consumer_id: 'team-w', monthly_limit_usd: 0.5, on_exceeded: 'block', updated_at: h.clock.now().toISOString() });
    const w = await watch({ action: 'create', session: SESSION, expires_in_hours: 1 });
    expect(await checkWatches(deps)).toMatchObject({ refused: 1, created: 0 });
    expect(await watches.get(w.id)).toMatchObject({ status: 'active', last_error: { error_type: 'budget_exceeded' } });
    expect((await h.sessions.list({ limit: 5 })).sessions).toHaveLength(0);
    h.clock.advance(3_600_001);
    expect(await checkWatches(deps)).toMatchObject({ expired: 1 });
    expect((await watches.get(w.id))?.status).toBe('expired');
    expect(await watches.listActive()).toHaveLength(0);
  });
});
