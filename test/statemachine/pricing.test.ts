// The price the ledger records is the price the marketplace charges: sessions with a large disk, run by the real
// provisioning state machine, handlers and adapters against the simulated marketplaces, which bill each instance
// for the disk it was created with.
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
      { gpu: 'RTX 3090', vram_gb: 24, price: 0.065, location: 'Ohio, US' },
    ],
  },
  tensordock: {
    defaults: { boot_seconds: 1 },
    ip_delay_seconds: 0.2,
    offers: [{ gpu: 'NVIDIA GeForce RTX 4090 PCIe 24GB', vram_gb: 24, price: 0.4, location: 'Chubbuck, Idaho, United States', tier: 3 }],
  },
};

// the simulated Vast.ai charges storage_cost $0.10/GB-month: 200 GB add 200 × 0.10 / 720 = $0.027778 an hour
const VAST_200GB = 0.027778;
const allIn = (dphBase: number) => Math.round((dphBase + VAST_200GB) * 1e6) / 1e6;

let h: Harness;

beforeAll(async () => {
  h = await startHarness(scenario, { POWERTOOLS_METRICS_DISABLED: 'true' });
});

afterAll(async () => {
  await h?.stop();
});

let consumer = 0;

async function create(offerId: string, extra: Record<string, unknown> = {}) {
  consumer += 1;
  const res = await h.api<{ session: Record<string, unknown> }>('POST', '/api/v1/sessions', {
    consumer_id: `pricing-test-${consumer}`,
    offer_id: offerId,
    workload_type: 'llm',
    reservation_hours: 1,
    auto_retry: false,
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.session;
}

function simInstance(sessionId: string, attempt: number) {
  const all = h.runtime.sims.vastai!.instances().concat(h.runtime.sims.tensordock!.instances());
  return all.find((i) => i.label.includes(sessionId) && i.label.endsWith(`-${attempt}`));
}

async function costs(sessionId: string) {
  return (await h.api<Record<string, unknown>>('GET', `/api/v1/costs?session_id=${sessionId}`)).body as {
    breakdown: Record<string, unknown>[];
  } & Record<string, unknown>;
}

async function offerPrice(offerId: string, diskGb: number): Promise<number> {
  const res = await h.api<Record<string, unknown>>('GET', `/api/v1/inventory/${offerId}?disk_gb=${diskGb}`);
  expect(res.status).toBe(200);
  return Number(res.body['price_per_hour']);
}

describe.concurrent('all-in prices against the simulated marketplaces', () => {
  it('a 200 GB Vast.ai session: inventory, session, attempt and ledger carry what the marketplace bills', async () => {
    const offerId = await h.offerId('RTX 5060 Ti');
    const shown = await offerPrice(offerId, 200);
    expect(shown).toBe(allIn(0.05));
    const created = await create(offerId, { disk_gb: 200 });
    expect(created['price_per_hour']).toBe(shown);
    const session = await h.waitFor(String(created['id']), ['running', 'failed']);
    expect(session['status']).toBe('running');

    const billed = simInstance(String(session['id']), 1)!;
    expect(billed).toMatchObject({ disk_gb: 200, price_per_hour: shown });
    expect(session['price_per_hour']).toBe(billed.price_per_hour);
    expect((session['attempts'] as Record<string, unknown>[])[0]).toMatchObject({ price_per_hour: billed.price_per_hour });

    const report = await costs(String(session['id']));
    expect(report.breakdown[0]).toMatchObject({
      price_per_hour: billed.price_per_hour,
      gpu_per_hour: 0.05,
      disk_per_hour: VAST_200GB,
      disk_gb: 200,
      bandwidth: { inet_down_per_gb: 0.003, inet_up_per_gb: 0.003, estimated_cost: null },
    });
    expect(report).toMatchObject({ estimated_bandwidth_cost: null });
  });

  it('a retry re-prices its offer for the session disk, and each attempt is recorded at what it is billed', async () => {
    const created = await create(await h.offerId('RTX 3090'), { disk_gb: 200, auto_retry: true, max_retries: 2 });
    expect(created['price_per_hour']).toBe(allIn(0.06));
    const session = await h.waitFor(String(created['id']), ['running', 'failed']);
    expect(session['status']).toBe('running');
    const attempts = session['attempts'] as Record<string, unknown>[];
    expect(attempts.at(-1)).toMatchObject({ outcome: 'running', price_per_hour: allIn(0.065) });
    expect(session['price_per_hour']).toBe(allIn(0.065));

    const report = await costs(String(session['id']));
    expect(report.breakdown).toHaveLength(attempts.length);
    for (const entry of report.breakdown) {
      const instance = simInstance(String(session['id']), Number(entry['attempt']))!;
      expect(entry['price_per_hour'], `attempt ${String(entry['attempt'])}`).toBe(instance.price_per_hour);
      expect(entry['disk_gb']).toBe(200);
    }
  });

  it('a 300 GB TensorDock session: the ledger price is the VM’s rateHourly with that storage', async () => {
    const offerId = await h.offerId('RTX 4090', 'tensordock');
    // $0.40 + 8 vCPU × 0.003 + 32 GB × 0.002 + 300 GB × 0.00005
    expect(await offerPrice(offerId, 300)).toBe(0.503);
    const created = await create(offerId, { disk_gb: 300 });
    const session = await h.waitFor(String(created['id']), ['running', 'failed']);
    expect(session['status']).toBe('running');
    const billed = simInstance(String(session['id']), 1)!;
    expect(billed).toMatchObject({ disk_gb: 300, price_per_hour: 0.503 });
    const report = await costs(String(session['id']));
    expect(report.breakdown[0]).toMatchObject({ price_per_hour: 0.503, gpu_per_hour: 0.488, disk_per_hour: 0.015, disk_gb: 300 });
  });
});
