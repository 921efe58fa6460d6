// Issue 16 part 4, "provider facts from the real clients": each adapter, unchanged, against its simulated
// marketplace configured to behave as the official clients and docs say the real one does.
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, type ScenarioInput } from '../../local/sim/scenario.ts';
import { startTensorDockSim, type TensorDockSim } from '../../local/sim/tensordock.ts';
import { startVastAiSim, type VastAiSim } from '../../local/sim/vastai.ts';
import { TokenBucket } from '../../shared/adapters/providers/rate-limiter.ts';
import { TensorDockClient } from '../../shared/adapters/providers/tensordock.ts';
import { VastAiClient } from '../../shared/adapters/providers/vastai/client.ts';
import { keyPair, LABEL, raw, sshExec, vastClient, waitFor } from '../sim/helpers.ts';

const broker = keyPair('broker');
const running: { stop(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function vastSim(vastai: ScenarioInput['vastai']): Promise<VastAiSim> {
  const sim = await startVastAiSim({ scenario: parseScenario({ seed: 3, vastai }) });
  running.push(sim);
  return sim;
}

async function tensorDockSim(tensordock: ScenarioInput['tensordock']): Promise<TensorDockSim> {
  const sim = await startTensorDockSim({ scenario: parseScenario({ seed: 3, tensordock }) });
  running.push(sim);
  return sim;
}

const fastVast = (sim: VastAiSim, offerPageSize?: number) =>
  new VastAiClient({
    apiKey: sim.apiKey,
    baseUrl: sim.url,
    limiter: new TokenBucket({ ratePerSecond: 1000, burst: 1000 }),
    http: { sleep: async () => undefined },
    ...(offerPageSize ? { offerPageSize } : {}),
  });

describe('Vast.ai offer search (vast-ai CLI (vast.py) search offers defaults)', () => {
  it('leaves out unverified and external hosts, pages through a bounded limit, and keeps direct_port_count', async () => {
    const sim = await vastSim({
      offers: [
        { gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'Oregon, US', count: 5 },
        { gpu: 'RTX 4090', vram_gb: 24, price: 0.2, location: 'Oregon, US', direct_ports: 0 },
        { gpu: 'RTX 4090', vram_gb: 24, price: 0.1, location: 'Oregon, US', verified: false },
        { gpu: 'RTX 4090', vram_gb: 24, price: 0.1, location: 'Oregon, US', external: true },
      ],
    });
    // pages of 2 over the 6 offers the CLI's filters keep: 2 + 2 + 2, then an empty page ends it
    const offers = await fastVast(sim, 2).listOffers();
    expect(offers).toHaveLength(6);
    expect(new Set(offers.map((o) => o.id)).size).toBe(6);
    expect(offers.filter((o) => o.direct_port_count === 0)).toHaveLength(1);
    expect(offers.filter((o) => o.direct_port_count === 100)).toHaveLength(5);
    // the whole market in one page too, with the default (≤ 3,000) page
    expect((await fastVast(sim).listOffers()).map((o) => o.id).sort()).toEqual(offers.map((o) => o.id).sort());
  });

  it('answers at most its page maximum whatever the limit, so a client has to page', async () => {
    const sim = await vastSim({
      search_page_max: 2,
      offers: [{ gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'Oregon, US', count: 5 }],
    });
    const page = await raw(`${sim.url}/bundles/`, 'POST', { limit: 100, order: [['id', 'asc']] }, sim.apiKey);
    const ids = (page.json as { offers: { id: number }[] }).offers.map((o) => o.id);
    expect(ids).toHaveLength(2);
    const next = await raw(`${sim.url}/bundles/`, 'POST', { limit: 100, order: [['id', 'asc']], id: { gt: ids[1] } }, sim.apiKey);
    expect((next.json as { offers: { id: number }[] }).offers.map((o) => o.id)).toEqual([ids[1]! + 1, ids[1]! + 2]);
    // an adapter paging in pages of the sim's size reads everything
    expect(await fastVast(sim, 2).listOffers()).toHaveLength(5);
  });
});

describe('Vast.ai direct ports', () => {
  it('maps a published port only on a host with direct ports; a proxy-only host leaves it unreachable', async () => {
    const sim = await vastSim({
      offers: [
        { gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'Oregon, US', boot_seconds: 0.2 },
        { gpu: 'RTX 3090', vram_gb: 24, price: 0.2, location: 'Nevada, US', boot_seconds: 0.2, direct_ports: 0 },
      ],
    });
    const client = vastClient(sim);
    const offers = await client.listOffers();
    const direct = offers.find((o) => o.gpu_type === 'RTX 4090')!;
    const proxy = offers.find((o) => o.gpu_type === 'RTX 3090')!;
    const request = { label: LABEL(1), disk_gb: 20, ssh_public_keys: [broker.public], exposed_ports: [8000] };
    const onDirect = await client.createInstance({ ...request, offer: direct });
    const onProxy = await client.createInstance({ ...request, offer: proxy, label: LABEL(2) });
    const ready = (id: string) => waitFor(async () => {
      const i = await client.getInstance(id);
      return i.status === 'running' ? i : undefined;
    });
    expect((await ready(onDirect.instance_id)).ports?.['8000']).toMatchObject({ host: '127.0.0.1' });
    const proxied = await ready(onProxy.instance_id);
    expect(proxied.ports?.['8000']).toBeUndefined();
    // SSH still works there, through the proxy endpoint
    expect(await waitFor(() => sshExec(proxied.ssh!, broker.private, 'echo ok'))).toMatchObject({ stdout: 'ok\n' });
  });
});

describe('Vast.ai key listing (GET /instances/{id}/ssh/, used by no official client)', () => {
  it.each(['error', 'lagging'] as const)(
    'a create succeeds and SSH logs in with the key when the listing is %s',
    async (mode) => {
      const sim = await vastSim({
        instance_keys: mode,
        offers: [{ gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'Oregon, US', boot_seconds: 0.2 }],
      });
      const client = vastClient(sim);
      const [offer] = await client.listOffers();
      const { instance_id } = await client.createInstance({
        offer: offer!,
        label: LABEL(1),
        disk_gb: 20,
        ssh_public_keys: [broker.public],
      });
      expect(sim.instances().find((i) => i.id === instance_id)?.destroyed_at ?? undefined).toBeUndefined();
      const target = await waitFor(async () => {
        const i = await client.getInstance(instance_id);
        return i.status === 'running' ? i.ssh : undefined;
      });
      // the login is the proof the key is there
      expect(await waitFor(() => sshExec(target, broker.private, 'echo ok'))).toMatchObject({ stdout: 'ok\n' });
    },
  );
});

describe('Vast.ai templates (vast-ai CLI (vast.py) create instance with a template)', () => {
  it("creates with the template's own runtype rather than a forced ssh_proxy", async () => {
    const sim = await vastSim({
      offers: [{ gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'Oregon, US', boot_seconds: 0.2 }],
    });
    const client = vastClient(sim);
    const [offer] = await client.listOffers();
    const { instance_id } = await client.createInstance({
      offer: offer!,
      label: LABEL(1),
      disk_gb: 40,
      ssh_public_keys: [broker.public],
      template_hash_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', // vLLM, runtype args
      ssh: false,
    });
    const shown = await raw(`${sim.url}/instances/${instance_id}/`, 'GET', undefined, sim.apiKey);
    expect((shown.json as { instances: Record<string, unknown> }).instances['image_runtype']).toBe('args');
    const templates = await client.listTemplates();
    expect(templates.length).toBeGreaterThan(0);
  });
});

describe('Vast.ai retired v0 instance listing', () => {
  it('answers 410 deprecated_endpoint, and the adapter never calls it', async () => {
    const sim = await vastSim({
      offers: [{ gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'Oregon, US', boot_seconds: 0.2 }],
    });
    const v0 = await raw(`${sim.url}/instances/`, 'GET', undefined, sim.apiKey);
    expect(v0).toMatchObject({ status: 410, json: { success: false, error: 'deprecated_endpoint' } });
    expect(sim.deprecatedCalls).toBe(1);

    // a whole cycle through the adapter: search, create, get, list, destroy
    const client = vastClient(sim);
    const [offer] = await client.listOffers();
    const { instance_id } = await client.createInstance({
      offer: offer!,
      label: LABEL(1),
      disk_gb: 20,
      ssh_public_keys: [broker.public],
    });
    await client.getInstance(instance_id);
    expect((await client.listInstances()).map((i) => i.id)).toContain(instance_id);
    await client.ensureSshKeys(instance_id, [broker.public]);
    await client.destroyInstance(instance_id);
    expect(sim.deprecatedCalls).toBe(1);
  });
});

describe('TensorDock transient 401 on concurrent creates (provider-apis.md §2.1, live bug #62)', () => {
  const client = (sim: TensorDockSim, retries: number) =>
    new TensorDockClient({
      apiToken: sim.apiKey,
      baseUrl: sim.url,
      limiter: new TokenBucket({ ratePerSecond: 1000, burst: 1000 }),
      // real waits: the other create has to finish meanwhile
      unauthorizedBackoff: { retries, baseMs: 300, maxMs: 1200 },
    });
  const scenario: ScenarioInput['tensordock'] = {
    create_latency_seconds: 0.4,
    unauthorized_when_concurrent: true,
    ip_delay_seconds: 0,
    offers: [
      {
        gpu: 'NVIDIA GeForce RTX 4090 PCIe 24GB',
        vram_gb: 24,
        gpu_count: 4,
        price: 0.4,
        location: 'Chubbuck, Idaho, United States',
        count: 2,
      },
    ],
  };

  it('retries the refused create with backoff: both concurrent creates succeed', async () => {
    const sim = await tensorDockSim(scenario);
    const td = client(sim, 4);
    const offers = await td.listOffers();
    const made = await Promise.all(
      offers.map((offer, n) =>
        td.createInstance({ offer, label: LABEL(n + 1), disk_gb: 100, ssh_public_keys: [broker.public] }),
      ),
    );
    expect(made).toHaveLength(2);
    expect(sim.unauthorizedCreates).toBeGreaterThanOrEqual(1);
    expect(sim.instances()).toHaveLength(2);
  });

  it('without retries the same race is taken for a bad credential (what the retry fixes)', async () => {
    const sim = await tensorDockSim(scenario);
    const td = client(sim, 0);
    const offers = await td.listOffers();
    const outcomes = await Promise.allSettled(
      offers.map((offer, n) =>
        td.createInstance({ offer, label: LABEL(n + 1), disk_gb: 100, ssh_public_keys: [broker.public] }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.name)).toEqual([
      'ProviderAuthError',
    ]);
  });
});
