// A restart of the simulated marketplaces (as with a restart of `npm start`) loses no instance: their keys,
// labels and timelines come back from the data directory, and their SSH servers with them.
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimulatedMarketplaces, startSimulatedMarketplaces } from '../../local/sim/marketplaces.ts';
import { parseScenario } from '../../local/sim/scenario.ts';
import type { ProviderClient } from '../../shared/ports/provider.ts';
import {
  hostKeysSeen,
  keyPair,
  LABEL,
  probeBanner,
  sshExec,
  tensorDockClient,
  vastClient,
  waitFor,
} from './helpers.ts';

const scenario = parseScenario({
  vastai: {
    offers: [
      { gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US', boot_seconds: 0.2, count: 3 },
      { gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'California, US', boot_seconds: 8 },
    ],
  },
  tensordock: {
    ip_delay_seconds: 0.1,
    offers: [
      { gpu: 'NVIDIA L4 PCIe 24GB', vram_gb: 24, price: 0.2, location: 'A, B, C', boot_seconds: 0.2, gpu_count: 2 },
    ],
  },
});

const key = keyPair();
let sims: SimulatedMarketplaces | undefined;
let blocker: net.Server | undefined;

afterEach(async () => {
  await sims?.stop();
  blocker?.close();
});

async function running(client: ProviderClient, id: string) {
  return waitFor(async () => {
    const i = await client.getInstance(id);
    return i.status === 'running' && i.ssh ? i.ssh : undefined;
  }, 20_000);
}

describe('restarting the simulated marketplaces with a data directory', () => {
  it('restores every instance: running ones answer SSH again, booting ones finish booting, destroyed ones stay gone', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'gpu-shopper-sim-')), 'sim');
    sims = await startSimulatedMarketplaces({ scenario, dataDir });
    let vast = vastClient(sims.vastai);
    let td = tensorDockClient(sims.tensordock);
    const offers = await vast.listOffers();
    const fast = offers.filter((o) => o.gpu_type === 'RTX 5060 Ti');
    const slow = offers.find((o) => o.gpu_type === 'RTX 4090')!;
    const create = (client: ProviderClient, offer: (typeof offers)[number], n: number) =>
      client
        .createInstance({ offer, label: LABEL(n), disk_gb: 30, ssh_public_keys: [key.public] })
        .then((r) => r.instance_id);

    const up = await create(vast, fast[0]!, 1);
    const booting = await create(vast, slow, 2);
    const destroyed = await create(vast, fast[1]!, 3);
    await vast.destroyInstance(destroyed);
    const tdUp = await create(td, (await td.listOffers())[0]!, 4);

    const before = await running(vast, up);
    await waitFor(() => sshExec(before, key.private, 'echo ok'));
    const hostKeyBefore = hostKeysSeen.get(`${before.host}:${before.port}`);
    const tdBefore = await running(td, tdUp);
    await waitFor(() => sshExec(tdBefore, key.private, 'echo ok'));
    expect((await vast.getInstance(booting)).status).toBe('starting');

    await sims.stop();
    sims = undefined;
    expect(await probeBanner(before.host, before.port)).toEqual({ kind: 'refused' });
    // someone else takes the port of the running instance meanwhile
    blocker = net.createServer();
    await new Promise<void>((resolve) => blocker!.listen(before.port, '127.0.0.1', () => resolve()));

    sims = await startSimulatedMarketplaces({ scenario, dataDir });
    vast = vastClient(sims.vastai);
    td = tensorDockClient(sims.tensordock);

    // the running instance: same id, label and host key, on a new port, with the same key
    const after = await running(vast, up);
    expect(after.port).not.toBe(before.port);
    expect((await vast.getInstance(up)).label).toBe(LABEL(1));
    expect((await waitFor(() => sshExec(after, key.private, 'echo ok'))).stdout).toBe('ok\n');
    expect(hostKeysSeen.get(`${after.host}:${after.port}`)).toBe(hostKeyBefore);

    // the booting one goes on booting where it was, and comes up
    const bootedAfter = await running(vast, booting);
    expect((await waitFor(() => sshExec(bootedAfter, key.private, 'echo ok'))).stdout).toBe('ok\n');
    const view = sims.vastai.instances().find((i) => i.id === booting)!;
    expect(Date.parse(view.ready_at) - Date.parse(view.created_at)).toBe(8000);

    // the destroyed one stays destroyed; the TensorDock one is back
    await expect(vast.getInstance(destroyed)).rejects.toMatchObject({ name: 'InstanceNotFoundError' });
    const tdAfter = await running(td, tdUp);
    expect((await waitFor(() => sshExec(tdAfter, key.private, 'echo ok'))).stdout).toBe('ok\n');

    // the account lists exactly the live ones, and new ids do not collide with old ones
    expect((await vast.listInstances()).map((i) => i.id).sort()).toEqual([up, booting].sort());
    const fresh = await create(vast, fast[2]!, 5);
    expect([up, booting, destroyed]).not.toContain(fresh);
  }, 60_000);

  it('keeps nothing on disk without a data directory', async () => {
    sims = await startSimulatedMarketplaces({ scenario });
    const vast = vastClient(sims.vastai);
    const [offer] = await vast.listOffers();
    await vast.createInstance({ offer: offer!, label: LABEL(1), disk_gb: 30, ssh_public_keys: [key.public] });
    await sims.stop();
    sims = await startSimulatedMarketplaces({ scenario });
    expect(await vastClient(sims.vastai).listInstances()).toEqual([]);
  });
});
