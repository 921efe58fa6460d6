// Issue 16 part 4, provider facts end to end: the real provisioning state machine, handlers and adapters against
// simulated marketplaces that behave as the official clients and docs say the real ones do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../local/sim/scenario.ts';
import { type Harness, startHarness } from '../support/runtime-harness.ts';
import { sshExec } from '../support/ssh-exec.ts';

const scenario: ScenarioInput = {
  vastai: {
    defaults: { boot_seconds: 1, ssh: 'ok', api_boot_seconds: 1 },
    // the key listing (GET /instances/{id}/ssh/) fails on every call: no official client reads it
    instance_keys: 'error',
    offers: [
      { gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US', count: 2 },
      // proxy-only hosts: SSH through the proxy, no port mapped onto their IP
      { gpu: 'RTX 3090', vram_gb: 24, price: 0.06, location: 'Quebec, CA', count: 2, direct_ports: 0 },
    ],
  },
  tensordock: {
    defaults: { boot_seconds: 1 },
    ip_delay_seconds: 0.2,
    // a create arriving while another is answered gets 401 Unauthorized (live bug #62)
    create_latency_seconds: 0.5,
    unauthorized_when_concurrent: true,
    offers: [
      {
        gpu: 'NVIDIA GeForce RTX 4090 PCIe 24GB',
        vram_gb: 24,
        gpu_count: 4,
        price: 0.4,
        location: 'Chubbuck, Idaho, United States',
        tier: 3,
        count: 2,
      },
    ],
  },
};

let h: Harness;

beforeAll(async () => {
  h = await startHarness(scenario, { POWERTOOLS_METRICS_DISABLED: 'true' });
});

afterAll(async () => {
  await h?.stop();
});

let consumer = 0;

function post(offerId: string, extra: Record<string, unknown> = {}) {
  consumer += 1;
  return h.api<{ session: Record<string, unknown>; ssh_private_key: string }>('POST', '/api/v1/sessions', {
    consumer_id: `facts-test-${consumer}`,
    offer_id: offerId,
    workload_type: 'llm',
    reservation_hours: 1,
    auto_retry: false,
    ...extra,
  });
}

async function create(offerId: string, extra: Record<string, unknown> = {}) {
  const res = await post(offerId, extra);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: String(res.body.session['id']), key: res.body.ssh_private_key };
}

function instancesOf(sessionId: string) {
  return [...h.runtime.sims.vastai!.instances(), ...h.runtime.sims.tensordock!.instances()].filter((i) =>
    i.label?.includes(sessionId),
  );
}

const target = (s: Record<string, unknown>) => ({
  host: String(s['ssh_host']),
  port: Number(s['ssh_port']),
  user: String(s['ssh_user']),
});

describe.concurrent('provider facts through the provisioning state machine', () => {
  it('a failing key listing does not destroy the instance: the SSH login proves the key, and the session runs', async () => {
    const { id, key } = await create(await h.offerId('RTX 5060 Ti'));
    const session = await h.waitFor(id, ['running', 'failed']);
    expect(session, JSON.stringify(session)).toMatchObject({ status: 'running', phase: 'ready' });
    expect(await sshExec(target(session), key)).toBe('ok');
    const made = instancesOf(id);
    expect(made).toHaveLength(1);
    expect(made[0]!.gone).toBeNull();
  });

  it('an API workload on a proxy-only host is refused with 400 before anything is made; an SSH-only one runs there', async () => {
    const offerId = await h.offerId('RTX 3090', 'vastai', 1);
    const res = await post(offerId, {
      workload_type: 'llm_vllm',
      launch_mode: 'entrypoint',
      docker_image: 'acme/server:1',
      exposed_ports: [9000],
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'offer_lacks_direct_ports', field: 'offer_id', ports_needed: 1 });
    const sessions = await h.api<{ sessions: unknown[] }>('GET', `/api/v1/sessions?consumer_id=facts-test-${consumer}`);
    expect(sessions.status).toBe(200);
    expect(sessions.body.sessions).toEqual([]);
    expect(h.runtime.sims.vastai!.instances().filter((i) => offerId.endsWith(`-${i.offer_id}`))).toEqual([]);

    const { id, key } = await create(offerId);
    const session = await h.waitFor(id, ['running', 'failed']);
    expect(session, JSON.stringify(session)).toMatchObject({ status: 'running' });
    expect(await sshExec(target(session), key)).toBe('ok');
  });

  it('two concurrent TensorDock creates both run although one was first answered 401', async () => {
    const [a, b] = await Promise.all([
      create(await h.offerId('RTX 4090', 'tensordock', 0)),
      create(await h.offerId('RTX 4090', 'tensordock', 1)),
    ]);
    const sessions = await Promise.all([a!, b!].map((s) => h.waitFor(s.id, ['running', 'failed'])));
    expect(sessions.map((s) => s['status']), JSON.stringify(sessions)).toEqual(['running', 'running']);
    expect(h.runtime.sims.tensordock!.unauthorizedCreates).toBeGreaterThanOrEqual(1);
  });
});
