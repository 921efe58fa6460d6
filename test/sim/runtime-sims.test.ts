// With no provider credentials, the local runtime talks only to its simulated marketplaces; a real credential
// switches that provider to the real API.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { startLocalRuntime } from '../../local/runtime.ts';
import { parseScenario } from '../../local/sim/scenario.ts';
import { providerRegistry, providerRegistryFromEnv } from '../../shared/composition/providers.ts';
import type { TensorDockClient } from '../../shared/adapters/providers/tensordock.ts';
import type { VastAiClient } from '../../shared/adapters/providers/vastai/client.ts';

const scenario = parseScenario({
  vastai: { offers: [{ gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US', count: 2 }] },
  tensordock: { offers: [{ gpu: 'NVIDIA L4 PCIe 24GB', vram_gb: 24, price: 0.2, location: 'A, B, C' }] },
});

async function start(env: Record<string, string> = {}) {
  const lines: string[] = [];
  const runtime = await startLocalRuntime({
    port: 0,
    dataDir: mkdtempSync(path.join(tmpdir(), 'gpu-shopper-rt-')),
    inMemory: true,
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    tableName: `rt-${Math.random().toString(36).slice(2, 8)}`,
    schedules: false,
    simScenario: scenario,
    env,
    log: (line) => lines.push(line),
  });
  return { runtime, lines };
}

describe('the local runtime and the simulated marketplaces', () => {
  beforeEach(() => {
    // the runtime copies its `env` option into process.env (handlers read it there)
    for (const name of ['VASTAI_API_KEY', 'VASTAI_API_URL', 'TENSORDOCK_API_TOKEN', 'TENSORDOCK_API_URL'])
      delete process.env[name];
  });

  it('without credentials, points both adapters at loopback simulators and nothing else', async () => {
    const { runtime, lines } = await start();
    try {
      const { vastai, tensordock } = runtime.sims;
      expect(vastai?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v0$/);
      expect(tensordock?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v2$/);
      expect(process.env['VASTAI_API_URL']).toBe(vastai!.url);
      expect(process.env['TENSORDOCK_API_URL']).toBe(tensordock!.url);

      // the registry the handlers use builds its adapters on those URLs
      const clients = await providerRegistry().all();
      expect(await providerRegistry().get('vastai')).toBe(clients[0]);
      expect(clients.map((c) => [c.name, (c as VastAiClient | TensorDockClient).baseUrl])).toEqual([
        ['vastai', vastai!.url],
        ['tensordock', tensordock!.url],
      ]);
      expect((await clients[0]!.listOffers()).map((o) => o.gpu_type)).toEqual(['RTX 5060 Ti', 'RTX 5060 Ti']);
      expect((await clients[1]!.listOffers()).map((o) => o.gpu_type)).toEqual(['L4']);

      // the ports are printed at start
      expect(lines.some((l) => l.includes(`simulated Vast.ai marketplace at ${vastai!.url}`))).toBe(true);
      expect(lines.some((l) => l.includes(`simulated TensorDock marketplace at ${tensordock!.url}`))).toBe(true);
    } finally {
      await runtime.stop();
    }
    // stopping takes the simulators' settings away again, so a later start does not mistake them for real ones
    expect(process.env['VASTAI_API_KEY']).toBeUndefined();
    expect(process.env['TENSORDOCK_API_URL']).toBeUndefined();
  });

  it('with a real Vast.ai credential, only TensorDock is simulated', async () => {
    const { runtime, lines } = await start({ VASTAI_API_KEY: 'a-real-looking-key' });
    try {
      expect(runtime.sims.vastai).toBeUndefined();
      expect(runtime.sims.tensordock?.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
      expect(lines).toContain('Vast.ai: real API');
      const vast = (await providerRegistryFromEnv().get('vastai')) as VastAiClient;
      expect(vast.baseUrl).toBe('https://console.vast.ai/api/v0');
    } finally {
      await runtime.stop();
    }
  });

  it('listens on SIM_VASTAI_PORT / SIM_TENSORDOCK_PORT when they are set', async () => {
    const { freePort } = await import('../../local/free-port.ts');
    const [vp, tp] = [await freePort(), await freePort()];
    const { runtime } = await start({ SIM_VASTAI_PORT: String(vp), SIM_TENSORDOCK_PORT: String(tp) });
    try {
      expect(runtime.sims.vastai!.url).toBe(`http://127.0.0.1:${vp}/api/v0`);
      expect(runtime.sims.tensordock!.url).toBe(`http://127.0.0.1:${tp}/api/v2`);
    } finally {
      await runtime.stop();
    }
  });
});
