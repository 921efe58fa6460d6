// Each scenario behaviour of the simulated marketplaces, observed the way the broker observes it: through the
// real adapters, a raw TCP probe and a real SSH client.
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, type ScenarioInput } from '../../local/sim/scenario.ts';
import { startTensorDockSim, type TensorDockSim } from '../../local/sim/tensordock.ts';
import { startVastAiSim, type VastAiSim } from '../../local/sim/vastai.ts';
import type { Instance } from '../../shared/domain/instance.ts';
import { priceFor } from '../../shared/domain/offer-pricing.ts';
import type { ProviderClient } from '../../shared/ports/provider.ts';
import { keyPair, LABEL, probeBanner, raw, sshExec, tensorDockClient, vastClient, waitFor } from './helpers.ts';

const key = keyPair();
const running: (VastAiSim | TensorDockSim)[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

const VAST_OFFER = { gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US' };
const TD_OFFER = {
  gpu: 'NVIDIA GeForce RTX 4090 PCIe 24GB',
  vram_gb: 24,
  price: 0.4,
  location: 'Chubbuck, Idaho, United States',
  gpu_count: 2,
};

async function vast(behaviour: Record<string, unknown>, extra: Partial<NonNullable<ScenarioInput['vastai']>> = {}) {
  const sim = await startVastAiSim({
    scenario: parseScenario({ vastai: { offers: [{ ...VAST_OFFER, count: 2, ...behaviour }], ...extra } }),
  });
  running.push(sim);
  return { sim, client: vastClient(sim) };
}

async function tensordock(
  behaviour: Record<string, unknown>,
  extra: Partial<NonNullable<ScenarioInput['tensordock']>> = {},
) {
  const sim = await startTensorDockSim({
    scenario: parseScenario({
      tensordock: { ip_delay_seconds: 0.1, offers: [{ ...TD_OFFER, count: 2, ...behaviour }], ...extra },
    }),
  });
  running.push(sim);
  return { sim, client: tensorDockClient(sim) };
}

async function create(client: ProviderClient, n = 1, offerIndex = 0): Promise<string> {
  const offers = await client.listOffers();
  const { instance_id } = await client.createInstance({
    offer: offers[offerIndex]!,
    label: LABEL(n),
    disk_gb: 30,
    ssh_public_keys: [key.public],
  });
  return instance_id;
}

const untilRunning = (client: ProviderClient, id: string) =>
  waitFor(async () => {
    const i = await client.getInstance(id);
    return i.status === 'running' && i.ssh ? (i as Instance & { ssh: NonNullable<Instance['ssh']> }) : undefined;
  });

describe('boot delay', () => {
  it('Vast.ai: null, then loading with the SSH endpoint known but refusing, then running with SSH', async () => {
    const { sim, client } = await vast({ boot_seconds: 3 });
    const id = await create(client);
    const first = await client.getInstance(id);
    expect(first.status).toBe('starting');
    const loading = await waitFor(
      async () => {
        const i = await client.getInstance(id);
        return i.provider_status === 'loading' ? i : undefined;
      },
      10_000,
      50,
    );
    expect(loading.status).toBe('starting');
    expect(loading.ssh).toBeDefined();
    expect(await probeBanner(loading.ssh!.host, loading.ssh!.port)).toEqual({ kind: 'refused' });

    const up = await untilRunning(client, id);
    const login = await waitFor(() => sshExec(up.ssh, key.private, 'echo ok'));
    expect(login.stdout).toBe('ok\n');
    const view = sim.instances().find((i) => i.id === id)!;
    expect(Date.parse(view.ready_at) - Date.parse(view.created_at)).toBe(3000);
  });

  it('TensorDock: running at once with ipAddress "" for a while, then the IP and SSH', async () => {
    const { client } = await tensordock({ boot_seconds: 2 }, { ip_delay_seconds: 1.5 });
    const id = await create(client);
    const first = await client.getInstance(id);
    expect(first).toMatchObject({ status: 'running', provider_status: 'running' });
    expect(first.ssh).toBeUndefined();
    const up = await untilRunning(client, id);
    const login = await waitFor(() => sshExec(up.ssh, key.private, 'echo ok'));
    expect(login.stdout).toBe('ok\n');
  });
});

describe('SSH behaviours', () => {
  it('never: the TCP connection is accepted but no banner ever comes', async () => {
    const { client } = await vast({ boot_seconds: 0.2, ssh: 'never' });
    const up = await untilRunning(client, await create(client));
    await waitFor(async () => (await probeBanner(up.ssh.host, up.ssh.port, 300)).kind !== 'refused');
    expect(await probeBanner(up.ssh.host, up.ssh.port, 1500)).toEqual({ kind: 'silent' });
    await expect(sshExec(up.ssh, key.private, 'echo ok', 1500)).rejects.toThrow(
      /timed out while waiting for handshake/i,
    );
  });

  it('refused: the provider says running, but nothing listens', async () => {
    const { sim, client } = await vast({ boot_seconds: 0.2, ssh: 'refused' });
    const id = await create(client);
    const up = await untilRunning(client, id);
    await waitFor(() => sim.instances().find((i) => i.id === id)?.phase === 'running');
    expect(await probeBanner(up.ssh.host, up.ssh.port)).toEqual({ kind: 'refused' });
  });

  it('close_early: the banner comes, then the connection drops during the handshake (not an auth failure)', async () => {
    const { client } = await tensordock({ boot_seconds: 0.2, ssh: 'close_early' });
    const up = await untilRunning(client, await create(client));
    const outcome = await waitFor(async () => {
      const o = await probeBanner(up.ssh.host, up.ssh.port);
      return o.kind === 'banner' ? o : undefined;
    });
    expect(outcome).toEqual({ kind: 'banner', banner: expect.stringMatching(/^SSH-2\.0-OpenSSH/), closedAfter: true });
    const err = (await sshExec(up.ssh, key.private, 'echo ok', 3000).catch((e: unknown) => e)) as {
      level?: string;
      message: string;
    };
    expect(err).toBeInstanceOf(Error);
    expect(err.level).not.toBe('client-authentication');
  });

  it('reject_auth: a full SSH server that refuses even the attached key', async () => {
    const { client } = await vast({ boot_seconds: 0.2, ssh: 'reject_auth' });
    const up = await untilRunning(client, await create(client));
    const banner = await waitFor(async () => {
      const o = await probeBanner(up.ssh.host, up.ssh.port, 500);
      return o.kind === 'banner' ? o : undefined;
    });
    expect(banner.closedAfter).toBe(false);
    await expect(sshExec(up.ssh, key.private, 'echo ok')).rejects.toMatchObject({ level: 'client-authentication' });
  });
});

describe('instances that stop or vanish by themselves', () => {
  it.each([
    ['vastai', 'exited'],
    ['tensordock', 'stopped'],
  ])('%s: stop_after_seconds → %s, and SSH goes away', async (provider, providerStatus) => {
    const { client } =
      provider === 'vastai'
        ? await vast({ boot_seconds: 0.2, stop_after_seconds: 1.5 })
        : await tensordock({ boot_seconds: 0.2, stop_after_seconds: 1.5 });
    const id = await create(client);
    const up = await untilRunning(client, id);
    await waitFor(() => sshExec(up.ssh, key.private, 'echo ok'));
    const stopped = await waitFor(async () => {
      const i = await client.getInstance(id);
      return i.status === 'stopped' ? i : undefined;
    });
    expect(stopped.provider_status).toBe(providerStatus);
    await waitFor(async () => (await probeBanner(up.ssh.host, up.ssh.port, 300)).kind === 'refused');
    // a stopped instance is still the account's, and still listed
    expect((await client.listInstances()).map((i) => i.id)).toContain(id);
  });

  it.each(['vastai', 'tensordock'])('%s: vanish_after_seconds → gone from GET and from the list', async (provider) => {
    const { sim, client } =
      provider === 'vastai'
        ? await vast({ boot_seconds: 0.2, vanish_after_seconds: 1.5 })
        : await tensordock({ boot_seconds: 0.2, vanish_after_seconds: 1.5 });
    const id = await create(client);
    await untilRunning(client, id);
    await waitFor(async () => {
      const err = await client.getInstance(id).catch((e: Error) => e);
      return err instanceof Error && err.name === 'InstanceNotFoundError';
    });
    expect((await client.listInstances()).map((i) => i.id)).not.toContain(id);
    expect(sim.instances().find((i) => i.id === id)).toMatchObject({ phase: 'gone', gone: 'vanished' });
    await waitFor(() => sim.instances().find((i) => i.id === id)?.ssh_listening === false);
  });
});

describe('offers and listings', () => {
  it.each(['vastai', 'tensordock'])(
    '%s: an offer that vanishes when rented leaves the listing and cannot be rented twice',
    async (provider) => {
      const { client } =
        provider === 'vastai'
          ? await vast({ vanish_when_rented: true })
          : await tensordock({ vanish_when_rented: true });
      const before = await client.listOffers();
      expect(before).toHaveLength(2);
      await create(client, 1, 0);
      const after = await client.listOffers();
      expect(after.map((o) => o.id)).toEqual([before[1]!.id]);
      await expect(
        client.createInstance({ offer: before[0]!, label: LABEL(2), disk_gb: 30, ssh_public_keys: [key.public] }),
      ).rejects.toMatchObject({ name: 'OfferUnavailableError' });
      // the other offer is still rentable
      await expect(create(client, 3, 0)).resolves.toBeTruthy();
    },
  );

  it('an ordinary offer stays listed and can be rented again', async () => {
    const { client } = await vast({});
    const before = await client.listOffers();
    await create(client, 1, 0);
    await create(client, 2, 0);
    expect((await client.listOffers()).map((o) => o.id)).toEqual(before.map((o) => o.id));
  });

  it.each(['vastai', 'tensordock'])(
    '%s: listing lag hides a new instance from the list (not from GET) for a while',
    async (provider) => {
      const { client } =
        provider === 'vastai'
          ? await vast({}, { listing_lag_seconds: 2 })
          : await tensordock({}, { listing_lag_seconds: 2 });
      const id = await create(client);
      const started = Date.now();
      expect((await client.listInstances()).map((i) => i.id)).not.toContain(id);
      await expect(client.getInstance(id)).resolves.toMatchObject({ id });
      await waitFor(async () => (await client.listInstances()).some((i) => i.id === id));
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    },
  );

  it('listing latency delays the offer listing', async () => {
    const { client } = await tensordock({}, { listing_latency_seconds: 0.6 });
    const started = Date.now();
    await client.listOffers();
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
  });
});

describe('inspection and chaos API', () => {
  it('lists instances under /_sim/ and stops or vanishes one on request', async () => {
    const { sim, client } = await vast({ boot_seconds: 0.2 });
    const a = await create(client, 1);
    const b = await create(client, 2);
    const root = sim.url.replace(/\/api\/v0$/, '');
    const listed = (await (await fetch(`${root}/_sim/instances`)).json()) as {
      instances: { id: string; label: string; provider: string }[];
    };
    expect(listed.instances.map((i) => [i.provider, i.id, i.label])).toEqual([
      ['vastai', a, LABEL(1)],
      ['vastai', b, LABEL(2)],
    ]);
    expect(sim.instances()[0]).toMatchObject({ id: a, keys: 1, ssh_mode: 'ok', gone: null, destroyed_at: null });

    expect((await fetch(`${root}/_sim/instances/${a}/vanish`, { method: 'POST' })).status).toBe(200);
    await expect(client.getInstance(a)).rejects.toMatchObject({ name: 'InstanceNotFoundError' });
    expect((await fetch(`${root}/_sim/instances/${b}/stop`, { method: 'POST' })).status).toBe(200);
    expect(await client.getInstance(b)).toMatchObject({ status: 'stopped', provider_status: 'stopped' });
    expect((await fetch(`${root}/_sim/instances/${a}/stop`, { method: 'POST' })).status).toBe(404);
  });

  it('Vast.ai: PUT /instances/{id}/ stops, starts and relabels like the real API', async () => {
    const { sim, client } = await vast({ boot_seconds: 0.2 });
    const id = await create(client);
    await untilRunning(client, id);
    expect((await raw(`${sim.url}/instances/${id}/`, 'PUT', { state: 'stopped' }, sim.apiKey)).status).toBe(200);
    expect(await client.getInstance(id)).toMatchObject({ status: 'stopped' });
    await raw(`${sim.url}/instances/${id}/`, 'PUT', { state: 'running', label: 'renamed' }, sim.apiKey);
    const back = await untilRunning(client, id);
    expect(back.label).toBe('renamed');
  });
});

describe('billing by the disk created', () => {
  it('Vast.ai: lists dph_total for allocated_storage, bills an instance for the disk it was created with', async () => {
    const { sim, client } = await vast({});
    const [listed] = await client.listOffers();
    // the adapter searches with allocated_storage 50: $0.05 + 50 GB × $0.10/GB-month ÷ 720
    expect(listed!.price_per_hour).toBe(0.056944);
    const { instance_id } = await client.createInstance({
      offer: listed!,
      label: LABEL(1),
      disk_gb: 200,
      ssh_public_keys: [key.public],
    });
    const billed = 0.077778; // $0.05 + 200 × 0.10 / 720
    expect(sim.instances().find((i) => i.id === instance_id)).toMatchObject({ disk_gb: 200, price_per_hour: billed });
    expect((await client.getInstance(instance_id)).price_per_hour).toBe(billed);
    // and the broker's all-in price for that disk is what the marketplace bills
    expect(priceFor(listed!, 200).price_per_hour).toBe(billed);
  });

  it('TensorDock: bills the VM’s GPU, vCPUs, RAM and the storage it was created with', async () => {
    const { sim, client } = await tensordock({});
    const [listed] = await client.listOffers();
    const { instance_id } = await client.createInstance({
      offer: listed!,
      label: LABEL(1),
      disk_gb: 300,
      ssh_public_keys: [key.public],
    });
    // $0.40 + 8 × 0.003 + 32 × 0.002 + 300 × 0.00005
    expect(sim.instances().find((i) => i.id === instance_id)).toMatchObject({ disk_gb: 300, price_per_hour: 0.503 });
    expect(listed!.price_per_hour).toBe(0.493);
    expect(priceFor(listed!, 300).price_per_hour).toBe(0.503);
  });
});
