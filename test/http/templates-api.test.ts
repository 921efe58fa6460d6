// The template routes and the inventory template filter through the real middy stack, over an in-memory catalog
// store and a fixed inventory view.
import { describe, expect, it } from 'vitest';
import { makeHandler as inventoryHandler } from '../../shared/http/routes/inventory.ts';
import { makeHandler as templatesHandler } from '../../shared/http/routes/templates.ts';
import type { Offer } from '../../shared/domain/offer.ts';
import type { Template } from '../../shared/domain/template.ts';
import type { StoredTemplateCatalog } from '../../shared/ports/templates.ts';
import type { InventoryService, ServedOffer } from '../../shared/use-cases/inventory-service.ts';
import { TemplateCatalog } from '../../shared/use-cases/templates/template-catalog.ts';
import { offer } from '../fakes/fake-inventory.ts';
import { callHandler } from '../support/http.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');

const T = (over: Partial<Template> & { hash_id: string; name: string; image: string }): Template => ({
  recommended: true,
  extra_filters: {},
  ...over,
});
const TEMPLATES: Template[] = [
  T({ hash_id: 'aaaa0000aaaa0000aaaa0000aaaa0000', name: 'vLLM', image: 'vllm/vllm-openai', tag: 'latest', env: '-p 8000:8000', recommended_disk_space: 80, onstart: 'serve &', extra_filters: { cuda_max_good: { gte: 12.4 }, gpu_ram: { gte: 16_000 } } }),
  T({ hash_id: 'bbbb1111bbbb1111bbbb1111bbbb1111', name: 'TGI', image: 'ghcr.io/huggingface/text-generation-inference', tag: '3.0', env: '-p 80:80', extra_filters: { gpu_ram: { gte: 40_000 } } }),
  T({ hash_id: 'cccc2222cccc2222cccc2222cccc2222', name: 'Old PyTorch', image: 'pytorch/pytorch', recommended: false, extra_filters: { cuda_max_good: { lt: 12 } } }),
];

const served = (o: Offer): ServedOffer => ({ ...o, confidence: 0.9, availability: 'available' });
const OFFERS: ServedOffer[] = [
  served(offer({ id: 'vastai-1', gpu_type: 'RTX 5060 Ti', vram_gb: 16, cuda_version: 12.8, price_per_hour: 0.05 })),
  served(offer({ id: 'vastai-2', gpu_type: 'A100 SXM', vram_gb: 80, cuda_version: 12.6, price_per_hour: 1.1 })),
  served(offer({ id: 'vastai-3', gpu_type: 'RTX 3090', vram_gb: 24, cuda_version: 11.8, price_per_hour: 0.2 })),
  served(offer({ id: 'tensordock-x', provider: 'tensordock', gpu_type: 'H100 SXM', vram_gb: 80, price_per_hour: 2 })),
];

const STORED: StoredTemplateCatalog = { templates: TEMPLATES, fetched_at: '2026-11-28T11:30:00Z' };
function catalog(stored: StoredTemplateCatalog | null = STORED) {
  return new TemplateCatalog({ store: { read: async () => stored ?? undefined }, now: () => new Date(NOW), maxAgeSeconds: 7200 });
}
const inventory = { view: async () => ({ offers: OFFERS, providers: {} }) } as unknown as Pick<InventoryService, 'view'>;

const templates = (c = catalog()) => templatesHandler({ catalog: c, inventory });
const get = (path: string, routePath: string, pathParameters?: Record<string, string>, c?: TemplateCatalog) =>
  callHandler(templates(c), { path, routePath, pathParameters });

describe('GET /api/v1/templates', () => {
  it('lists the catalog with its freshness, filtered by name, image and recommended', async () => {
    const all = await get('/api/v1/templates', '/api/v1/templates');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ count: 3, catalog: { provider: 'vastai', status: 'ok', age_seconds: 1800 } });
    const first = (all.body['templates'] as Record<string, unknown>[])[0]!;
    expect(first).toEqual({
      hash_id: 'aaaa0000aaaa0000aaaa0000aaaa0000',
      name: 'vLLM',
      image: 'vllm/vllm-openai:latest',
      recommended: true,
      recommended_disk_space: 80,
      exposed_ports: [8000],
      extra_filters: { cuda_max_good: { gte: 12.4 }, gpu_ram: { gte: 16_000 } },
    });
    const names = async (query: string) =>
      ((await get(`/api/v1/templates${query}`, '/api/v1/templates')).body['templates'] as { name: string }[]).map((t) => t.name);
    expect(await names('?name=vll')).toEqual(['vLLM']);
    expect(await names('?image=HUGGINGFACE')).toEqual(['TGI']);
    expect(await names('?image=openai:latest')).toEqual(['vLLM']);
    expect(await names('?recommended=false')).toEqual(['Old PyTorch']);
    expect(await names('?recommended=true&name=t')).toEqual(['TGI']);
    expect(await names('?name=')).toHaveLength(3);
    const bad = await get('/api/v1/templates?recommended=yes', '/api/v1/templates');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error_type: 'validation_error', field: 'recommended' });
  });

  it('answers an empty, unavailable catalog before the first refresh', async () => {
    const res = await get('/api/v1/templates', '/api/v1/templates', undefined, catalog(null));
    expect(res.body).toEqual({ templates: [], count: 0, catalog: { provider: 'vastai', status: 'unavailable' } });
  });

  it('answers one template in full, or a JSON 404', async () => {
    const one = await get('/api/v1/templates/AAAA0000aaaa0000aaaa0000aaaa0000', '/api/v1/templates/{hash_id}', {
      hash_id: 'AAAA0000aaaa0000aaaa0000aaaa0000',
    });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ name: 'vLLM', onstart: 'serve &', env: '-p 8000:8000', tag: 'latest' });
    const missing = await get('/api/v1/templates/nope', '/api/v1/templates/{hash_id}', { hash_id: 'nope' });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error_type: 'not_found', template_hash_id: 'nope' });
  });
});

describe('GET /api/v1/inventory/{id}/compatible-templates', () => {
  const compatible = (id: string, query = '') =>
    get(`/api/v1/inventory/${id}/compatible-templates${query}`, '/api/v1/inventory/{id}/compatible-templates', { id });

  it("lists the templates whose requirements the offer meets, and on request the others with why", async () => {
    const small = await compatible('vastai-1', '?include_incompatible=1');
    expect(small.status).toBe(200);
    expect(small.body).toMatchObject({ offer_id: 'vastai-1', provider: 'vastai', count: 1, incompatible_count: 2 });
    expect((small.body['templates'] as { name: string }[]).map((t) => t.name)).toEqual(['vLLM']);
    expect(small.body['incompatible']).toEqual([
      { hash_id: 'bbbb1111bbbb1111bbbb1111bbbb1111', name: 'TGI', mismatches: [{ field: 'gpu_ram', op: 'gte', expected: 40_000, actual: 16_384 }] },
      { hash_id: 'cccc2222cccc2222cccc2222cccc2222', name: 'Old PyTorch', mismatches: [{ field: 'cuda_max_good', op: 'lt', expected: 12, actual: 12.8 }] },
    ]);
    const big = await compatible('vastai-2');
    expect((big.body['templates'] as { name: string }[]).map((t) => t.name)).toEqual(['vLLM', 'TGI']);
    expect(big.body['incompatible']).toBeUndefined();
    const old = await compatible('vastai-3');
    expect((old.body['templates'] as { name: string }[]).map((t) => t.name)).toEqual(['Old PyTorch']);
  });

  it('answers an empty list with a note for a TensorDock offer, and 404 for an unknown one', async () => {
    const td = await compatible('tensordock-x');
    expect(td.status).toBe(200);
    expect(td.body).toEqual({
      offer_id: 'tensordock-x',
      provider: 'tensordock',
      templates: [],
      count: 0,
      note: 'templates are a Vast.ai feature; this offer is not on Vast.ai',
    });
    const unknown = await compatible('vastai-999');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error_type: 'not_found', offer_id: 'vastai-999' });
  });
});

describe('GET /api/v1/inventory?template_hash_id=', () => {
  const list = (query: string) =>
    callHandler(inventoryHandler({ inventory: inventory as InventoryService, templates: catalog() }), { path: `/api/v1/inventory${query}` });

  it("keeps the Vast.ai offers that meet the template's CUDA and VRAM requirements, with the other filters", async () => {
    const ids = async (query: string) => ((await list(query)).body['offers'] as { id: string }[]).map((o) => o.id);
    expect(await ids('?template_hash_id=aaaa0000aaaa0000aaaa0000aaaa0000')).toEqual(['vastai-1', 'vastai-2']);
    expect(await ids('?template_hash_id=bbbb1111bbbb1111bbbb1111bbbb1111')).toEqual(['vastai-2']);
    expect(await ids('?template_hash_id=aaaa0000aaaa0000aaaa0000aaaa0000&max_price=0.5')).toEqual(['vastai-1']);
    expect(await ids('?template_hash_id=aaaa0000aaaa0000aaaa0000aaaa0000&provider=tensordock')).toEqual([]);
    expect(await ids('')).toHaveLength(4);
  });

  it('answers 404 for a template the catalog does not hold, and 400 for a malformed hash', async () => {
    const unknown = await list('?template_hash_id=dddd3333dddd3333dddd3333dddd3333');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ template_hash_id: 'dddd3333dddd3333dddd3333dddd3333' });
    const malformed = await list('?template_hash_id=../../etc');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ field: 'template_hash_id' });
  });
});
