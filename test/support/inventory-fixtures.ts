// Offers, fake providers and a fake registry for inventory tests (fakes of our own ports only).
import type { Offer, ProviderName } from '../../shared/domain/offer.ts';
import type { ProviderClient, ProviderRegistry } from '../../shared/ports/provider.ts';

export function offer(overrides: Partial<Offer> & { id: string }): Offer {
  const provider = overrides.provider ?? 'vastai';
  return {
    provider,
    provider_offer_id: overrides.id.replace(/^[a-z]+-/, ''),
    gpu_type: 'RTX 4090',
    gpu_count: 1,
    vram_gb: 24,
    price_per_hour: 0.5,
    location: 'California, US',
    reliability: 0.9,
    fetched_at: '2026-11-28T11:59:00.000Z',
    ...overrides,
  };
}

const GPUS = [
  { gpu_type: 'RTX 4090', vram_gb: 24 },
  { gpu_type: 'RTX 3090', vram_gb: 24 },
  { gpu_type: 'A100 SXM4', vram_gb: 80 },
  { gpu_type: 'RTX 5060 Ti', vram_gb: 16 },
  { gpu_type: 'H100 SXM', vram_gb: 80 },
];
const PLACES = ['California, US', 'Quebec, CA', 'Chubbuck, Idaho, United States', 'Frankfurt, DE', 'Tokyo, JP'];

/** A realistic marketplace listing: n distinct offers with varied fields (deterministic for a given seed). */
export function manyOffers(n: number, provider: ProviderName = 'vastai', seed = 1): Offer[] {
  let x = seed;
  const rand = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  return Array.from({ length: n }, (_, i) => {
    const gpu = GPUS[i % GPUS.length]!;
    return offer({
      id: `${provider}-${100000 + i}`,
      provider,
      provider_offer_id: String(100000 + i),
      gpu_type: gpu.gpu_type,
      vram_gb: gpu.vram_gb,
      gpu_count: 1 + (i % 8),
      price_per_hour: Math.round((0.1 + rand() * 4) * 1000) / 1000,
      location: PLACES[i % PLACES.length]!,
      reliability: Math.round((0.8 + rand() * 0.2) * 10000) / 10000,
      cuda_version: 11 + (i % 3) + 0.8,
      host_id: `${provider}-machine-${20000 + (i % 997)}`,
      cpu_cores: 8 + (i % 4) * 8,
      ram_gb: 64,
      disk_gb: 500,
      inet_down_mbps: 1000 + (i % 10) * 100,
    });
  });
}

type Behaviour = Offer[] | Error | 'hang' | ((signal?: AbortSignal) => Promise<Offer[]>);

/** A provider whose listOffers answers from a script: each call takes the next behaviour (the last one repeats). */
export class FakeProvider implements ProviderClient {
  calls = 0;
  private readonly script: Behaviour[];

  constructor(
    readonly name: ProviderName,
    ...script: Behaviour[]
  ) {
    this.script = script;
  }

  async listOffers(options?: { signal?: AbortSignal }): Promise<Offer[]> {
    const behaviour = this.script[Math.min(this.calls, this.script.length - 1)]!;
    this.calls++;
    if (behaviour === 'hang') return new Promise<Offer[]>(() => undefined);
    if (behaviour instanceof Error) throw behaviour;
    if (typeof behaviour === 'function') return behaviour(options?.signal);
    return behaviour.map((o) => ({ ...o }));
  }

  createInstance(): Promise<{ instance_id: string }> {
    throw new Error('not used by inventory');
  }
  getInstance(): never {
    throw new Error('not used by inventory');
  }
  listInstances(): never {
    throw new Error('not used by inventory');
  }
  destroyInstance(): never {
    throw new Error('not used by inventory');
  }
}

export function fakeRegistry(...clients: ProviderClient[]): ProviderRegistry {
  return {
    all: async () => clients,
    get: async (name) => {
      const c = clients.find((x) => x.name === name);
      if (!c) throw new Error(`no provider ${name}`);
      return c;
    },
  };
}

/** A clock tests move by hand. */
export class ManualClock {
  constructor(private t: number) {}
  now = (): Date => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
  set(iso: string): void {
    this.t = Date.parse(iso);
  }
}
