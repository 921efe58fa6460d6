import { describe, expect, it } from 'vitest';
import type { Offer } from '../../shared/domain/offer.ts';
import {
  offerProperties,
  parseExtraFilters,
  templateCompatibility,
  templateImage,
  templatePorts,
} from '../../shared/domain/template.ts';

const OFFER: Offer = {
  id: 'vastai-1',
  provider: 'vastai',
  provider_offer_id: '1',
  gpu_type: 'RTX 4090',
  gpu_count: 2,
  vram_gb: 24,
  price_per_hour: 0.7,
  location: 'California, US',
  reliability: 0.99,
  cuda_version: 12.4,
  disk_gb: 500,
  cpu_cores: 16,
  ram_gb: 64,
  inet_down_mbps: 900,
  fetched_at: '2026-11-28T12:00:00Z',
};

const match = (extra_filters: unknown, offer: Offer = OFFER) =>
  templateCompatibility({ extra_filters: parseExtraFilters(extra_filters) }, offer);

describe('template compatibility', () => {
  it('maps the offer to Vast search names (VRAM in MB, country code)', () => {
    expect(offerProperties(OFFER)).toMatchObject({
      cuda_max_good: 12.4,
      gpu_ram: 24_576,
      gpu_total_ram: 49_152,
      num_gpus: 2,
      gpu_name: 'RTX 4090',
      disk_space: 500,
      reliability2: 0.99,
      dph_total: 0.7,
      geolocation: 'US',
      cpu_cores_effective: 16,
      cpu_ram: 65_536,
      inet_down: 900,
    });
  });

  it.each([
    [{ cuda_max_good: { gte: 12.4 } }, true],
    [{ cuda_max_good: { gte: 12.6 } }, false],
    [{ cuda_max_good: { gt: 12.4 } }, false],
    [{ cuda_max_good: { lt: 13, gte: 12 } }, true],
    [{ cuda_max_good: { lte: 12.2 } }, false],
    [{ gpu_ram: { gte: 24_000 } }, true],
    [{ gpu_ram: { gte: 40_000 } }, false],
    [{ num_gpus: { eq: 2 } }, true],
    [{ num_gpus: { neq: 2 } }, false],
    [{ num_gpus: { in: [1, 2, 4] } }, true],
    [{ num_gpus: { notin: [2] } }, false],
    [{ geolocation: { in: ['US', 'CA'] } }, true],
    [{ geolocation: { notin: ['US'] } }, false],
    // Vast spells GPU names with underscores in queries
    [{ gpu_name: { in: ['RTX_4090', 'RTX_3090'] } }, true],
    [{ gpu_name: { eq: 'RTX 3090' } }, false],
    // numbers sent as strings
    [{ cuda_max_good: { gte: '12.1' } }, true],
    [{ dph_total: { lte: '0.5' } }, false],
  ])('%j → %s', (filters, compatible) => {
    expect(match(filters).compatible).toBe(compatible);
  });

  it('lets properties the offer does not know pass (compute_cap, driver_version, static_ip…)', () => {
    expect(match({ compute_cap: { gte: 900 }, static_ip: { eq: true }, driver_version: { gte: '550' } }).compatible).toBe(true);
    const noCuda = { ...OFFER, cuda_version: undefined };
    expect(match({ cuda_max_good: { gte: 13 } }, noCuda).compatible).toBe(true);
  });

  it('names every requirement the offer misses', () => {
    const result = match({ cuda_max_good: { gte: 12.8 }, gpu_ram: { gte: 40_000 }, num_gpus: { eq: 2 } });
    expect(result.compatible).toBe(false);
    expect(result.mismatches).toEqual([
      { field: 'cuda_max_good', op: 'gte', expected: 12.8, actual: 12.4 },
      { field: 'gpu_ram', op: 'gte', expected: 40_000, actual: 24_576 },
    ]);
  });

  it('reads extra_filters sent as a JSON string, and ignores what is not a filter', () => {
    expect(parseExtraFilters('{"cuda_max_good":{"gte":12.1},"gpu_ram":{"gte":16000}}')).toEqual({
      cuda_max_good: { gte: 12.1 },
      gpu_ram: { gte: 16_000 },
    });
    expect(parseExtraFilters('not json')).toEqual({});
    expect(parseExtraFilters(null)).toEqual({});
    expect(parseExtraFilters({ a: 1, b: { bogus: 2 }, c: { eq: { nested: true } }, d: { in: ['x', 1] } })).toEqual({
      d: { in: ['x', 1] },
    });
  });

  it('reads a template image reference and its published ports', () => {
    expect(templateImage({ image: 'vllm/vllm-openai', tag: 'v0.6.4' })).toBe('vllm/vllm-openai:v0.6.4');
    expect(templateImage({ image: 'vllm/vllm-openai:latest', tag: 'v0.6.4' })).toBe('vllm/vllm-openai:latest');
    expect(templateImage({ image: 'localhost:5000/app' })).toBe('localhost:5000/app');
    expect(templatePorts({ env: '-p 22:22 -e A=b -p 8000:8000 -p 127.0.0.1:8080:8080/tcp -p 70000:70000 -p 8000:8000' })).toEqual([
      8000, 8080,
    ]);
    expect(templatePorts({})).toEqual([]);
  });
});
