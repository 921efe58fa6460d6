// Each adapter, unchanged, against its simulated marketplace: the same contract as the recorded bodies, plus
// a real SSH login into what was created.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedMarketplaces, type SimulatedMarketplaces } from '../../local/sim/marketplaces.ts';
import { parseScenario } from '../../local/sim/scenario.ts';
import { startTensorDockSim } from '../../local/sim/tensordock.ts';
import { startVastAiSim } from '../../local/sim/vastai.ts';
import { parseLabel } from '../../shared/domain/instance.ts';
import type { ProviderClient } from '../../shared/ports/provider.ts';
import { keyPair, LABEL, raw, sshExec, tensorDockClient, vastClient, waitFor } from '../sim/helpers.ts';

const scenario = parseScenario({
  seed: 7,
  vastai: {
    offers: [
      {
        gpu: 'RTX 5060 Ti',
        vram_gb: 16,
        price: 0.054,
        location: 'Texas, US',
        count: 3,
        boot_seconds: 0.3,
        reliability: 0.996,
      },
      { gpu: 'RTX 4090', gpu_count: 2, vram_gb: 24, price: 0.7, location: 'California, US', boot_seconds: 0.3 },
      { gpu: 'RTX 3090', vram_gb: 24, price: 0.06, location: 'Nevada, US', unavailable: true },
    ],
  },
  tensordock: {
    ip_delay_seconds: 0.2,
    offers: [
      {
        gpu: 'NVIDIA GeForce RTX 4090 PCIe 24GB',
        vram_gb: 24,
        gpu_count: 4,
        price: 0.3966,
        location: 'Chubbuck, Idaho, United States',
        tier: 1,
        boot_seconds: 0.3,
      },
      {
        gpu: 'NVIDIA L4 PCIe 24GB',
        v0_name: 'l4-pcie-24gb',
        vram_gb: 24,
        price: 0.25,
        location: 'Manassas, Virginia, United States',
        unavailable: true,
      },
    ],
  },
});

let sims: SimulatedMarketplaces;
const broker = keyPair('broker');
const consumer = keyPair("consumer's laptop");
const stranger = keyPair('stranger');

beforeAll(async () => {
  sims = await startSimulatedMarketplaces({ scenario });
});
afterAll(async () => {
  await sims?.stop();
});

const cases: [string, () => ProviderClient, string, number, number][] = [
  // provider, client, GPU seen by nvidia-smi, offers listed (unavailable ones are listed too), price of offer 0
  ['vastai', () => vastClient(sims.vastai), 'NVIDIA GeForce RTX 5060 Ti', 5, 0.054 + (50 * 0.1) / 720],
  [
    'tensordock',
    () => tensorDockClient(sims.tensordock),
    'NVIDIA GeForce RTX 4090',
    2,
    0.3966 + 8 * 0.003 + 32 * 0.002 + 100 * 0.00005,
  ],
];

describe.each(cases)(
  '%s adapter against its simulated marketplace',
  (provider, makeClient, smiName, offerCount, price) => {
    it('lists the scenario offers, normalised', async () => {
      const offers = await makeClient().listOffers();
      expect(offers).toHaveLength(offerCount);
      expect(offers[0]!.provider).toBe(provider);
      expect(offers[0]!.price_per_hour).toBeCloseTo(price, 6);
      expect(offers[0]!.gpu_count).toBe(1);
    });

    it('creates an instance that goes running and accepts an SSH login with each attached key, and no other', async () => {
      const client = makeClient();
      const [offer] = await client.listOffers();
      const { instance_id, created_at } = await client.createInstance({
        offer: offer!,
        label: LABEL(1),
        disk_gb: 40,
        ssh_public_keys: [broker.public, consumer.public],
      });
      // the cost starts when the provider answered the create, before any follow-up call (Vast.ai's key attach)
      const made = sims.instances().find((i) => i.id === instance_id)!;
      expect(Math.abs(Date.parse(created_at!) - Date.parse(made.created_at))).toBeLessThan(1000);
      const running = await waitFor(async () => {
        const i = await client.getInstance(instance_id);
        return i.status === 'running' && i.ssh ? i : undefined;
      });
      expect(running).toMatchObject({ id: instance_id, provider, label: LABEL(1) });
      expect(parseLabel(running.label)).toMatchObject({ deploymentId: 'test', attempt: 1 });
      expect(running.ssh).toMatchObject({ host: '127.0.0.1', user: 'root' });

      // SSH comes up with the instance; poll until it answers, then check every behaviour of the host
      const target = running.ssh!;
      const ok = await waitFor(() => sshExec(target, broker.private, 'echo ok'));
      expect(ok).toEqual({ stdout: 'ok\n', stderr: '', code: 0 });
      expect((await sshExec(target, consumer.private, 'echo ok')).stdout).toBe('ok\n');
      await expect(sshExec(target, stranger.private, 'echo ok')).rejects.toMatchObject({
        level: 'client-authentication',
      });

      const smi = await sshExec(
        target,
        broker.private,
        'nvidia-smi --query-gpu=name,memory.total --format=csv,noheader',
      );
      expect(smi.stdout.trim().split('\n')[0]).toMatch(new RegExp(`^${smiName}, \\d+ MiB$`));
      expect((await sshExec(target, broker.private, 'uname -a')).stdout).toMatch(/^Linux .* x86_64 GNU\/Linux\n$/);
      expect((await sshExec(target, broker.private, 'df -h')).stdout).toMatch(/overlay/);
      expect(await sshExec(target, broker.private, 'true')).toMatchObject({ code: 0 });
      expect(await sshExec(target, broker.private, 'rm -rf /')).toMatchObject({ code: 127 });

      const listed = await client.listInstances();
      expect(listed.find((i) => i.id === instance_id)).toMatchObject({ label: LABEL(1), status: 'running' });

      await client.destroyInstance(instance_id);
      await expect(client.getInstance(instance_id)).rejects.toMatchObject({ name: 'InstanceNotFoundError' });
      expect((await client.listInstances()).some((i) => i.id === instance_id)).toBe(false);
      await expect(client.destroyInstance(instance_id)).resolves.toBeUndefined();
      // the SSH server went with it
      await expect(sshExec(target, broker.private, 'echo ok', 2000)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('reports an offer that cannot be rented as OfferUnavailableError', async () => {
      const client = makeClient();
      const offers = await client.listOffers();
      const gone = offers.find((o) => /3090|L4/.test(o.gpu_type))!;
      await expect(
        client.createInstance({ offer: gone, label: LABEL(2), disk_gb: 40, ssh_public_keys: [broker.public] }),
      ).rejects.toMatchObject({ name: 'OfferUnavailableError' });
    });

    it('answers a wrong credential with ProviderAuthError when the scenario fixes the key', async () => {
      const locked = parseScenario({ vastai: { api_key: 'the-right-key' }, tensordock: { api_key: 'the-right-key' } });
      const sim =
        provider === 'vastai'
          ? await startVastAiSim({ scenario: locked })
          : await startTensorDockSim({ scenario: locked });
      try {
        const wrong =
          provider === 'vastai' ? vastClient(sim as never, 'wrong') : tensorDockClient(sim as never, 'wrong');
        const right =
          provider === 'vastai'
            ? vastClient(sim as never, 'the-right-key')
            : tensorDockClient(sim as never, 'the-right-key');
        await expect(wrong.listInstances()).rejects.toMatchObject({ name: 'ProviderAuthError' });
        await expect(right.listInstances()).resolves.toEqual([]);
      } finally {
        await sim.stop();
      }
    });
  },
);

describe('instances created directly through a simulated API (not by the broker)', () => {
  it('show up in the Vast.ai list across pages, with their labels', async () => {
    const sim = await startVastAiSim({
      scenario: parseScenario({
        vastai: { page_size: 2, offers: [{ gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'X, US', count: 5 }] },
      }),
    });
    try {
      for (let i = 0; i < 5; i++) {
        const res = await raw(
          `${sim.url}/asks/${30_000_000 + i}/`,
          'PUT',
          // the official CLI's exact body, nulls included
          {
            client_id: 'me',
            image: 'pytorch/pytorch',
            env: {},
            price: null,
            disk: 10,
            label: `hand-made-${i}`,
            extra: null,
            onstart: null,
            image_login: null,
            python_utf8: false,
            lang_utf8: false,
            use_jupyter_lab: false,
            jupyter_dir: null,
            force: false,
            cancel_unavail: false,
            template_hash_id: null,
            user: null,
            runtype: 'ssh_direc ssh_proxy',
          },
          sim.apiKey,
        );
        expect(res).toMatchObject({ status: 200, json: { success: true } });
      }
      const listed = await vastClient(sim).listInstances();
      expect(listed.map((i) => i.label).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `hand-made-${i}`));
    } finally {
      await sim.stop();
    }
  });

  it.each(['data_array', 'data_instances', 'jsonapi', 'jsonapi_list'] as const)(
    'show up in the TensorDock list in the %s envelope',
    async (envelope) => {
      const sim = await startTensorDockSim({
        scenario: parseScenario({
          tensordock: {
            list_envelope: envelope,
            offers: [{ gpu: 'NVIDIA L4 PCIe 24GB', vram_gb: 24, price: 0.2, location: 'A, B, C', gpu_count: 2 }],
          },
        }),
      });
      try {
        const [location] = (
          (await raw(`${sim.url}/locations`, 'GET', undefined, sim.apiKey)).json as {
            data: { locations: { id: string }[] };
          }
        ).data.locations;
        const res = await raw(
          `${sim.url}/instances`,
          'POST',
          {
            data: {
              type: 'virtualmachine',
              attributes: {
                name: 'my-own-box',
                type: 'virtualmachine',
                image: 'ubuntu2404',
                location_id: location!.id,
                resources: { vcpu_count: 4, ram_gb: 16, storage_gb: 100, gpus: { 'l4-pcie-24gb': { count: 1 } } },
                port_forwards: [{ internal_port: 22, external_port: 20022 }],
                ssh_key: broker.public,
              },
            },
          },
          sim.apiKey,
        );
        expect(res.status).toBe(200);
        const listed = await tensorDockClient(sim).listInstances();
        expect(listed.map((i) => [i.label, i.status])).toEqual([['my-own-box', 'running']]);
      } finally {
        await sim.stop();
      }
    },
  );
});

describe('injected API faults reach the adapters as typed errors', () => {
  it('429s become ProviderRateLimitedError, 5xx ProviderUnavailableError, on both providers', async () => {
    const limited = await startSimulatedMarketplaces({
      scenario: parseScenario({ vastai: { rate_limit_probability: 1 }, tensordock: { rate_limit_probability: 1 } }),
    });
    const broken = await startSimulatedMarketplaces({
      scenario: parseScenario({ vastai: { server_error_probability: 1 }, tensordock: { server_error_probability: 1 } }),
    });
    try {
      await expect(vastClient(limited.vastai).listOffers()).rejects.toMatchObject({ name: 'ProviderRateLimitedError' });
      await expect(tensorDockClient(limited.tensordock).listOffers()).rejects.toMatchObject({
        name: 'ProviderRateLimitedError',
      });
      await expect(vastClient(broken.vastai).listInstances()).rejects.toMatchObject({
        name: 'ProviderUnavailableError',
      });
      await expect(tensorDockClient(broken.tensordock).listInstances()).rejects.toMatchObject({
        name: 'ProviderUnavailableError',
      });
    } finally {
      await Promise.all([limited.stop(), broken.stop()]);
    }
  });

  it('a create whose answer is lost still made the instance, which the broker can find by its label', async () => {
    const lossy = await startSimulatedMarketplaces({
      scenario: parseScenario({
        vastai: {
          lost_create_response_probability: 1,
          offers: [{ gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'X, US', boot_seconds: 0.3 }],
        },
        tensordock: {
          lost_create_response_probability: 1,
          offers: [{ gpu: 'NVIDIA L4 PCIe 24GB', vram_gb: 24, price: 0.2, location: 'A, B, C' }],
        },
      }),
    });
    try {
      for (const client of [vastClient(lossy.vastai), tensorDockClient(lossy.tensordock)]) {
        const [offer] = await client.listOffers();
        await expect(
          client.createInstance({ offer: offer!, label: LABEL(3), disk_gb: 20, ssh_public_keys: [broker.public] }),
        ).rejects.toMatchObject({
          name: 'ProviderUnavailableError',
        });
        expect((await client.listInstances()).filter((i) => i.label === LABEL(3))).toHaveLength(1);
      }
      // the create was sent once, not repeated
      expect(lossy.instances()).toHaveLength(2);

      // Vast.ai attaches keys after the create, so the found instance has none yet: the broker attaches them
      const vast = vastClient(lossy.vastai);
      const found = (await vast.listInstances()).find((i) => i.label === LABEL(3))!;
      const target = await waitFor(async () => (await vast.getInstance(found.id)).ssh);
      const rejected = (err: { level?: string }) => (err.level === 'client-authentication' ? true : undefined);
      await waitFor(() => sshExec(target, broker.private, 'echo ok').then(() => undefined, rejected));
      await vast.ensureSshKeys(found.id, [broker.public]);
      expect(await waitFor(() => sshExec(target, broker.private, 'echo ok'))).toMatchObject({ stdout: 'ok\n' });
      await vast.ensureSshKeys(found.id, [broker.public]); // already there: nothing to do
    } finally {
      await lossy.stop();
    }
  });
});
