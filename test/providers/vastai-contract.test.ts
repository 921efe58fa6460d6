// The Vast.ai adapter against recorded bodies of every documented variant (test/fixtures/providers/vastai).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Offer } from '../../shared/domain/offer.ts';
import { priceFor } from '../../shared/domain/offer-pricing.ts';
import { createdInstanceOf } from '../../shared/domain/provider-errors.ts';
import { TokenBucket } from '../../shared/adapters/providers/rate-limiter.ts';
import { MAX_OFFER_PAGE, VastAiClient } from '../../shared/adapters/providers/vastai/client.ts';
import { type Answer, instantSleep, ReplayServer } from './replay-server.ts';

const API_KEY = 'a3f1c9e27b4d4e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f';
const BROKER_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAZkmVen3WwgHXZRA86GKV3LZhGEKMDd8GNUGPQyZiih broker@gpu-shopper';
const CONSUMER_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF0IXiDhkxg1vI/vgT1l3JvcZGDMYUPq8FAlzddZgBXd consumer's laptop";
const LABEL = 'gs-dep1-0b4e1e81-3e3a-4f2c-89c2-e4c935e53605-1';

const server = new ReplayServer();
let sleeps: number[] = [];

function client(options: { offerPageSize?: number } = {}): VastAiClient {
  return new VastAiClient({
    ...options,
    apiKey: API_KEY,
    baseUrl: `${server.url}/api/v0`,
    limiter: new TokenBucket({ ratePerSecond: 1000, burst: 1000 }),
    http: { sleep: instantSleep(sleeps), random: () => 0.5 },
    now: () => new Date('2026-01-31T14:00:00Z'),
  });
}

const offer: Offer = {
  id: 'vastai-29907796',
  provider: 'vastai',
  provider_offer_id: '29907796',
  gpu_type: 'RTX 4090',
  gpu_count: 1,
  vram_gb: 24,
  price_per_hour: 0.35104,
  location: 'California, US',
  reliability: 0.9941,
  fetched_at: '2026-01-31T14:00:00Z',
};

const createRequest = { offer, label: LABEL, disk_gb: 50, ssh_public_keys: [BROKER_KEY, CONSUMER_KEY] };

beforeAll(async () => {
  await server.listen();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  sleeps = [];
});

describe('Vast.ai offer search', () => {
  it('asks with the CLI default filters for a bounded on-demand page with Bearer auth, and normalises the offers', async () => {
    server.on('POST /api/v0/bundles/', { fixture: 'vastai/search-offers.json' });
    const offers = await client().listOffers();

    const [call] = server.calls('POST /api/v0/bundles/');
    expect(call!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    // vast-ai CLI (vast.py) search offers defaults: verified, not external, rentable (and not rented)
    expect(call!.body).toMatchObject({
      verified: { eq: true },
      external: { eq: false },
      rentable: { eq: true },
      rented: { eq: false },
      type: 'on-demand',
      limit: MAX_OFFER_PAGE,
    });
    expect(MAX_OFFER_PAGE).toBeLessThanOrEqual(3000);
    // the first page has no cursor; the answer (5 items) is shorter than the page, so it is the only one
    expect(call!.body).not.toHaveProperty('id');
    expect(server.calls('POST /api/v0/bundles/')).toHaveLength(1);

    // the rented one and the malformed one are left out
    expect(offers.map((o) => o.id)).toEqual(['vastai-29907796', 'vastai-31000001', 'vastai-31000003']);
    expect(offers[0]).toEqual({
      id: 'vastai-29907796',
      provider: 'vastai',
      provider_offer_id: '29907796',
      gpu_type: 'RTX 4090',
      gpu_count: 1,
      vram_gb: 24,
      price_per_hour: 0.35104,
      location: 'California, US',
      reliability: 0.9941,
      cuda_version: 12.8,
      host_id: 'vastai-machine-88888',
      cpu_cores: 16,
      ram_gb: 64,
      disk_gb: 505.5,
      inet_down_mbps: 950.3,
      direct_port_count: 100,
      // dph_total is priced for the allocated_storage asked (50 GB); these re-price it for the disk created
      base_price_per_hour: 0.35,
      disk_price_per_gb_hour: 0.15 / 720,
      listed_disk_gb: 50,
      min_disk_gb: 8,
      max_disk_gb: 505.5,
      inet_down_price_per_gb: 0.003,
      inet_up_price_per_gb: 0.003,
      fetched_at: '2026-01-31T14:00:00.000Z',
    });
    // storage_cost $0.15/GB-month: a 200 GB disk adds 200 × 0.15 / 720 = $0.041667 an hour to dph_base
    expect(priceFor(offers[0]!, 200)).toEqual({
      price_per_hour: 0.391667,
      gpu_per_hour: 0.35,
      disk_per_hour: 0.041667,
      disk_gb: 200,
      basis: 'all_in',
      inet_down_per_gb: 0.003,
      inet_up_per_gb: 0.003,
    });
    // without storage_cost nothing re-prices it: its listed price stands
    expect(offers[1]).toMatchObject({ listed_disk_gb: 50 });
    expect(offers[1]!.base_price_per_hour).toBeUndefined();
    expect(priceFor(offers[1]!, 200)).toMatchObject({ price_per_hour: 0.108, basis: 'listed' });
    // nulls, whitespace, string CUDA, reliability fallback and clamping
    expect(offers[1]).toMatchObject({
      gpu_type: 'RTX 5060 Ti',
      gpu_count: 2,
      vram_gb: 16,
      location: ', CN',
      reliability: 0.97,
      cuda_version: 12.9,
      host_id: 'vastai-machine-77777',
    });
    expect(offers[1]!.cpu_cores).toBeUndefined();
    expect(offers[2]).toMatchObject({ gpu_type: 'A100 SXM', vram_gb: 80, reliability: 1 });
    // direct_port_count is kept: 0 is a proxy-only host, absent is unknown
    expect(offers[2]!.direct_port_count).toBe(0);
    expect(offers[1]!.direct_port_count).toBeUndefined();
  });

  it('pages on by ask id while a page comes back full', async () => {
    const page = (ids: number[]) => ({
      body: { offers: ids.map((id) => ({ id, gpu_name: 'RTX 4090', num_gpus: 1, gpu_ram: 24564, dph_total: 0.3 })) },
    });
    server.on('POST /api/v0/bundles/', page([10, 11]), page([12, 13]), page([14]));
    const offers = await client({ offerPageSize: 2 }).listOffers();
    expect(offers.map((o) => o.id)).toEqual(['vastai-10', 'vastai-11', 'vastai-12', 'vastai-13', 'vastai-14']);
    const bodies = server.calls('POST /api/v0/bundles/').map((c) => c.body as Record<string, unknown>);
    expect(bodies.map((b) => b['id'])).toEqual([undefined, { gt: 11 }, { gt: 13 }]);
    expect(bodies.every((b) => b['limit'] === 2 && JSON.stringify(b['order']) === '[["id","asc"]]')).toBe(true);
    // every page keeps the CLI's default filters
    expect(bodies.every((b) => JSON.stringify(b['verified']) === '{"eq":true}')).toBe(true);
  });

  it('stops paging when a full page brings nothing new (an answer that ignores the cursor)', async () => {
    const same = {
      body: { offers: [10, 11].map((id) => ({ id, gpu_name: 'RTX 4090', num_gpus: 1, gpu_ram: 24564, dph_total: 0.3 })) },
    };
    server.on('POST /api/v0/bundles/', same);
    const offers = await client({ offerPageSize: 2 }).listOffers();
    expect(offers.map((o) => o.id)).toEqual(['vastai-10', 'vastai-11']);
    expect(server.calls('POST /api/v0/bundles/')).toHaveLength(2);
  });

  it('never asks for more than 3,000 offers a page', async () => {
    server.on('POST /api/v0/bundles/', { body: { offers: [] } });
    await client({ offerPageSize: 10_000 }).listOffers();
    expect((server.calls('POST /api/v0/bundles/')[0]!.body as Record<string, unknown>)['limit']).toBe(3000);
  });

  it('takes the search base URL from the options and defaults to the real API', () => {
    expect(new VastAiClient({ apiKey: 'k' }).baseUrl).toBe('https://console.vast.ai/api/v0');
  });
});

describe('Vast.ai create', () => {
  it('rents the ask without a price, attaches every key and confirms they are listed', async () => {
    server
      .on('PUT /api/v0/asks/29907796/', { fixture: 'vastai/create-ok.json' })
      .on('POST /api/v0/instances/12345678/ssh/', { fixture: 'vastai/attach-ok.json' })
      .on('GET /api/v0/instances/12345678/ssh/', { fixture: 'vastai/instance-keys.json' });

    const created = await client().createInstance({ ...createRequest, env: { HF_TOKEN: 'x' }, exposed_ports: [8000] });
    expect(created).toEqual({ instance_id: '12345678', created_at: expect.any(String) });

    const [put] = server.calls('PUT /api/v0/asks/29907796/');
    const body = put!.body as Record<string, unknown>;
    expect(body).toMatchObject({
      client_id: 'me',
      label: LABEL,
      disk: 50,
      image: 'nvidia/cuda:12.6.3-runtime-ubuntu22.04',
      runtype: 'ssh_direc ssh_proxy',
      env: { HF_TOKEN: 'x', '-p 8000:8000': '1' },
    });
    expect(body).not.toHaveProperty('price');
    expect(body).not.toHaveProperty('ssh_key');
    expect(server.calls('POST /api/v0/instances/12345678/ssh/').map((c) => c.body)).toEqual([
      { ssh_key: BROKER_KEY },
      { ssh_key: CONSUMER_KEY },
    ]);
    expect(server.calls('GET /api/v0/instances/12345678/ssh/')).toHaveLength(1);
  });

  it('sends template creates with the template hash, no default image and no forced runtype', async () => {
    server
      .on('PUT /api/v0/asks/29907796/', { fixture: 'vastai/create-ok.json' })
      .on('POST /api/v0/instances/12345678/ssh/', { fixture: 'vastai/attach-ok.json' })
      .on('GET /api/v0/instances/12345678/ssh/', { fixture: 'vastai/instance-keys.json' });
    await client().createInstance({
      ...createRequest,
      template_hash_id: '4e17788f74f075dd9aab7d0d4427968f',
      on_start: 'echo hi',
    });
    const body = server.calls('PUT /api/v0/asks/29907796/')[0]!.body as Record<string, unknown>;
    expect(body).toMatchObject({ template_hash_id: '4e17788f74f075dd9aab7d0d4427968f', onstart: 'echo hi' });
    expect(body).not.toHaveProperty('image');
    // vast-ai CLI (vast.py) create instance: with a template the template's own runtype applies; forcing
    // ssh_proxy would leave its published ports unmapped
    expect(body).not.toHaveProperty('runtype');
    // an entrypoint (no SSH) template keeps its own runtype too
    server.reset();
    server
      .on('PUT /api/v0/asks/29907796/', { fixture: 'vastai/create-ok.json' })
      .on('POST /api/v0/instances/12345678/ssh/', { fixture: 'vastai/attach-ok.json' })
      .on('GET /api/v0/instances/12345678/ssh/', { fixture: 'vastai/instance-keys.json' });
    await client().createInstance({ ...createRequest, template_hash_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', ssh: false });
    expect(server.calls('PUT /api/v0/asks/29907796/')[0]!.body).not.toHaveProperty('runtype');
  });

  it('counts success:false with new_contract>0 as created', async () => {
    server
      .on('PUT /api/v0/asks/29907796/', { fixture: 'vastai/create-bid-success-false.json' })
      .on('POST /api/v0/instances/12345679/ssh/', { fixture: 'vastai/attach-ok.json' })
      .on('GET /api/v0/instances/12345679/ssh/', { fixture: 'vastai/instance-keys.json' });
    await expect(client().createInstance(createRequest)).resolves.toEqual({ instance_id: '12345679', created_at: expect.any(String) });
  });

  it.each([
    [400, 'vastai/no-such-ask-400.json'],
    [404, 'vastai/no-such-ask-404.json'],
    [410, 'vastai/no-such-ask-410.json'],
  ])('maps no_such_ask under HTTP %i to OfferUnavailableError', async (status, file) => {
    server.on('PUT /api/v0/asks/29907796/', { status, fixture: file });
    await expect(client().createInstance(createRequest)).rejects.toMatchObject({
      name: 'OfferUnavailableError',
      errorType: 'stale_inventory',
    });
  });

  it('maps other create errors by status', async () => {
    server.on('PUT /api/v0/asks/29907796/', { status: 400, fixture: 'vastai/create-invalid-args-400.json' });
    await expect(client().createInstance(createRequest)).rejects.toMatchObject({ name: 'InvalidProviderRequestError' });
    server.on('PUT /api/v0/asks/29907796/', { status: 403, fixture: 'vastai/create-not-own-403.json' });
    await expect(client().createInstance(createRequest)).rejects.toMatchObject({ name: 'ProviderAuthError' });
    server.on('PUT /api/v0/asks/29907796/', { status: 401, fixture: 'vastai/auth-401.json' });
    await expect(client().createInstance(createRequest)).rejects.toMatchObject({ name: 'ProviderAuthError' });
  });

  it('never repeats a create after a 5xx or a timeout (the state machine finds the instance by label)', async () => {
    server.on('PUT /api/v0/asks/29907796/', { status: 502, fixture: 'vastai/bad-gateway-502.html' });
    const err = await client()
      .createInstance(createRequest)
      .catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'ProviderUnavailableError' });
    expect((err as Error).message).toContain('502 Bad Gateway');
    expect((err as Error).message).not.toContain('<');
    expect(server.calls('PUT /api/v0/asks/29907796/')).toHaveLength(1);

    server.reset();
    server.on('PUT /api/v0/asks/29907796/', { delayMs: 3000, fixture: 'vastai/create-ok.json' });
    const slow = new VastAiClient({
      apiKey: API_KEY,
      baseUrl: `${server.url}/api/v0`,
      limiter: new TokenBucket({ ratePerSecond: 1000, burst: 1000 }),
      http: { sleep: instantSleep(), fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(100) }) },
    });
    await expect(slow.createInstance(createRequest)).rejects.toMatchObject({ name: 'ProviderUnavailableError' });
    expect(server.calls('PUT /api/v0/asks/29907796/')).toHaveLength(1);
  });

  it('retries a create answered with 429 (the provider did not act on it)', async () => {
    server
      .on(
        'PUT /api/v0/asks/29907796/',
        { status: 429, fixture: 'vastai/rate-limit-429.txt' },
        { fixture: 'vastai/create-ok.json' },
      )
      .on('POST /api/v0/instances/12345678/ssh/', { fixture: 'vastai/attach-ok.json' })
      .on('GET /api/v0/instances/12345678/ssh/', { fixture: 'vastai/instance-keys.json' });
    await expect(client().createInstance(createRequest)).resolves.toEqual({ instance_id: '12345678', created_at: expect.any(String) });
    expect(server.calls('PUT /api/v0/asks/29907796/')).toHaveLength(2);
    expect(sleeps.length).toBeGreaterThanOrEqual(1);
  });

  // The key listing (GET /instances/{id}/ssh/) is read by no official client (vast-ai CLI (vast.py) attach ssh only
  // POSTs): its failure or lag says nothing about whether the keys work, and the SSH login is the proof.
  it('keeps the instance when the key listing fails (5xx after the retries)', async () => {
    server
      .on('PUT /api/v0/asks/29907796/', { fixture: 'vastai/create-ok.json' })
      .on('POST /api/v0/instances/12345678/ssh/', { fixture: 'vastai/attach-ok.json' })
      .on('GET /api/v0/instances/12345678/ssh/', { status: 500, fixture: 'vastai/instance-keys-500.json' })
      .on('DELETE /api/v0/instances/12345678/', { fixture: 'vastai/destroy-ok.json' });
    await expect(client().createInstance(createRequest)).resolves.toEqual({
      instance_id: '12345678',
      created_at: expect.any(String),
    });
    expect(server.calls('GET /api/v0/instances/12345678/ssh/').length).toBeGreaterThan(1); // retried as idempotent
    expect(server.calls('DELETE /api/v0/instances/12345678/')).toHaveLength(0);
  });

  it('keeps the instance when the key listing lags (attaching the unlisted keys once more)', async () => {
    server
      .on('PUT /api/v0/asks/29907796/', { fixture: 'vastai/create-ok.json' })
      .on('POST /api/v0/instances/12345678/ssh/', { fixture: 'vastai/attach-ok.json' })
      .on('GET /api/v0/instances/12345678/ssh/', { fixture: 'vastai/instance-keys-empty.json' })
      .on('DELETE /api/v0/instances/12345678/', { fixture: 'vastai/destroy-ok.json' });
    await expect(client().createInstance(createRequest)).resolves.toMatchObject({ instance_id: '12345678' });
    expect(server.calls('POST /api/v0/instances/12345678/ssh/')).toHaveLength(4);
    expect(server.calls('GET /api/v0/instances/12345678/ssh/')).toHaveLength(1);
    expect(server.calls('DELETE /api/v0/instances/12345678/')).toHaveLength(0);
  });

  it('still destroys the new instance and fails when attaching a key is refused', async () => {
    server
      .on('PUT /api/v0/asks/29907796/', { fixture: 'vastai/create-ok.json' })
      .on('POST /api/v0/instances/12345678/ssh/', { status: 400, fixture: 'vastai/attach-invalid-400.json' })
      .on('DELETE /api/v0/instances/12345678/', { fixture: 'vastai/destroy-ok.json' });
    const err = await client().createInstance(createRequest).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InvalidProviderRequestError' });
    expect(server.calls('DELETE /api/v0/instances/12345678/')).toHaveLength(1);
    // what it made and destroyed again, so the broker records its cost
    expect(createdInstanceOf(err)).toEqual({ instance_id: '12345678', created_at: expect.any(String), destroyed_at: expect.any(String) });
  });

  it('ensureSshKeys attaches every key when the listing cannot be read', async () => {
    server
      .on('GET /api/v0/instances/12345678/ssh/', { status: 500, fixture: 'vastai/instance-keys-500.json' })
      .on('POST /api/v0/instances/12345678/ssh/', { fixture: 'vastai/attach-ok.json' });
    await expect(client().ensureSshKeys('12345678', [BROKER_KEY, CONSUMER_KEY])).resolves.toBeUndefined();
    expect(server.calls('POST /api/v0/instances/12345678/ssh/')).toHaveLength(2);
  });

  it('refuses a malformed key or offer id before calling the provider', async () => {
    await expect(
      client().createInstance({ ...createRequest, ssh_public_keys: ["ssh-ed25519 AAAA' ; rm -rf /"] }),
    ).rejects.toMatchObject({
      name: 'InvalidProviderRequestError',
    });
    await expect(
      client().createInstance({ ...createRequest, offer: { ...offer, id: 'vastai-../x', provider_offer_id: '' } }),
    ).rejects.toMatchObject({
      name: 'InvalidProviderRequestError',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('accepts offer ids in any case with surrounding whitespace', async () => {
    server
      .on('PUT /api/v0/asks/29907796/', { fixture: 'vastai/create-ok.json' })
      .on('POST /api/v0/instances/12345678/ssh/', { fixture: 'vastai/attach-ok.json' })
      .on('GET /api/v0/instances/12345678/ssh/', { fixture: 'vastai/instance-keys.json' });
    await client().createInstance({
      ...createRequest,
      offer: { ...offer, id: ' VASTAI-29907796 ', provider_offer_id: '' },
    });
    expect(server.calls('PUT /api/v0/asks/29907796/')).toHaveLength(1);
  });
});

describe('Vast.ai get instance', () => {
  const get = async (answer: Answer) => {
    server.on('GET /api/v0/instances/12345678/', answer);
    return client().getInstance('12345678');
  };

  it('reads a provisioning instance (actual_status null) as starting without SSH', async () => {
    const instance = await get({ fixture: 'vastai/instance-provisioning.json' });
    expect(instance).toMatchObject({ id: '12345678', status: 'starting', provider_status: 'null', label: LABEL });
    expect(instance.ssh).toBeUndefined();
    expect(instance.created_at).toBe(new Date(1769867702120).toISOString());
  });

  it('reads a loading instance as starting, with the proxy SSH endpoint already known', async () => {
    const instance = await get({ fixture: 'vastai/instance-loading.json' });
    expect(instance).toMatchObject({ status: 'starting', provider_status: 'loading' });
    expect(instance.ssh).toEqual({ host: 'ssh5.vast.ai', port: 39860, user: 'root' });
  });

  it('uses the direct endpoint (trimmed public_ipaddr + mapped 22/tcp) when the instance has one', async () => {
    const instance = await get({ fixture: 'vastai/instance-running-direct.json' });
    expect(instance).toMatchObject({ status: 'running', provider_status: 'running', price_per_hour: 0.36042 });
    expect(instance.ssh).toEqual({ host: '203.0.113.42', port: 40022, user: 'root' });
    expect(instance.ports).toEqual({
      '22': { host: '203.0.113.42', port: 40022 },
      '8000': { host: '203.0.113.42', port: 40100 },
    });
    expect(server.calls('GET /api/v0/instances/12345678/')[0]!.query.get('owner')).toBe('me');
  });

  it('falls back to ssh_host/ssh_port (trimmed, string port) and adds one for jupyter runtypes', async () => {
    expect((await get({ fixture: 'vastai/instance-running-proxy.json' })).ssh).toEqual({
      host: 'ssh9.vast.ai',
      port: 39810,
      user: 'root',
    });
    expect((await get({ fixture: 'vastai/instance-running-jupyter.json' })).ssh).toEqual({
      host: 'ssh2.vast.ai',
      port: 37641,
      user: 'root',
    });
  });

  it('normalises the terminal and unknown statuses', async () => {
    expect(await get({ fixture: 'vastai/instance-exited.json' })).toMatchObject({
      status: 'stopped',
      provider_status: 'exited',
    });
    expect(await get({ fixture: 'vastai/instance-created-oci-error.json' })).toMatchObject({
      status: 'stopped',
      provider_status: 'created',
    });
    expect(await get({ fixture: 'vastai/instance-offline.json' })).toMatchObject({ status: 'stopped' });
    expect(await get({ fixture: 'vastai/instance-unknown.json' })).toMatchObject({ status: 'unknown' });
  });

  it('maps {"instances":null} and 404 to InstanceNotFoundError, but a 404 "Invalid user key" to an auth error', async () => {
    await expect(get({ fixture: 'vastai/instance-gone.json' })).rejects.toMatchObject({
      name: 'InstanceNotFoundError',
    });
    await expect(get({ status: 404, fixture: 'vastai/destroy-not-found-404.json' })).rejects.toMatchObject({
      name: 'InstanceNotFoundError',
    });
    await expect(get({ status: 404, fixture: 'vastai/invalid-user-key-404.json' })).rejects.toMatchObject({
      name: 'ProviderAuthError',
    });
  });

  it('refuses ids that are not integers without calling the provider', async () => {
    await expect(client().getInstance('../users/current')).rejects.toMatchObject({
      name: 'InvalidProviderRequestError',
    });
    expect(server.requests).toHaveLength(0);
  });
});

describe('Vast.ai templates', () => {
  it('sends select_cols with the recommended filter, as the CLI does', async () => {
    server.on('GET /api/v0/template/', { fixture: 'vastai/templates.json' });
    const templates = await client().listTemplates();
    expect(templates.map((t) => t.hash_id)).toEqual(['4e17788f74f075dd9aab7d0d4427968f']);
    const [call] = server.calls('GET /api/v0/template/');
    // vast-ai CLI (vast.py) search templates: select_cols ["*"] and select_filters on every call
    expect(JSON.parse(call!.query.get('select_cols')!)).toEqual(['*']);
    expect(JSON.parse(call!.query.get('select_filters')!)).toEqual({ recommended: { eq: true } });
  });
});

describe('Vast.ai list instances', () => {
  it('follows next_token through every page of the v1 list', async () => {
    server.on(
      'GET /api/v1/instances/',
      { fixture: 'vastai/list-page-1.json' },
      { fixture: 'vastai/list-page-2.json' },
      { fixture: 'vastai/list-page-3.json' },
    );
    const instances = await client().listInstances();
    expect(instances.map((i) => [i.id, i.label, i.status])).toEqual([
      ['1001', LABEL, 'running'],
      ['1002', undefined, 'starting'],
      ['1003', 'someone-else', 'starting'],
      ['1004', 'gs-dep1-579a630f-6ee1-4483-b4de-09c085527f14-2', 'stopped'],
      ['1005', undefined, 'stopping'],
    ]);
    const tokens = server.calls('GET /api/v1/instances/').map((c) => c.query.get('after_token'));
    expect(tokens).toEqual([null, 'eyJvIjoyfQ', 'eyJvIjo0fQ']);
  });

  it('throws instead of returning a partial list when a later page fails', async () => {
    server.on(
      'GET /api/v1/instances/',
      { fixture: 'vastai/list-page-1.json' },
      { status: 400, fixture: 'vastai/list-bad-token-400.json' },
    );
    await expect(client().listInstances()).rejects.toMatchObject({ name: 'InvalidProviderRequestError' });

    server.reset();
    server.on(
      'GET /api/v1/instances/',
      { fixture: 'vastai/list-page-1.json' },
      { status: 502, fixture: 'vastai/bad-gateway-502.html' },
    );
    await expect(client().listInstances()).rejects.toMatchObject({ name: 'ProviderUnavailableError' });
  });

  it('throws when the pagination loops', async () => {
    server.on('GET /api/v1/instances/', { fixture: 'vastai/list-page-1.json' });
    await expect(client().listInstances()).rejects.toMatchObject({ name: 'ProviderUnavailableError' });
  });
});

describe('Vast.ai destroy', () => {
  it('deletes, and counts an instance that is already gone as destroyed', async () => {
    server.on('DELETE /api/v0/instances/12345678/', { fixture: 'vastai/destroy-ok.json' });
    await expect(client().destroyInstance('12345678')).resolves.toBeUndefined();
    server.on('DELETE /api/v0/instances/12345678/', { status: 404, fixture: 'vastai/destroy-not-found-404.json' });
    await expect(client().destroyInstance('12345678')).resolves.toBeUndefined();
  });

  it('does not take a 404 "Invalid user key" or a 5xx for "gone"', async () => {
    server.on('DELETE /api/v0/instances/12345678/', { status: 404, fixture: 'vastai/invalid-user-key-404.json' });
    await expect(client().destroyInstance('12345678')).rejects.toMatchObject({ name: 'ProviderAuthError' });
    server.on('DELETE /api/v0/instances/12345678/', { status: 502, fixture: 'vastai/bad-gateway-502.html' });
    await expect(client().destroyInstance('12345678')).rejects.toMatchObject({ name: 'ProviderUnavailableError' });
    // a delete is idempotent, so it was repeated before giving up
    expect(server.calls('DELETE /api/v0/instances/12345678/').length).toBeGreaterThan(2);
  });
});

describe('Vast.ai 429 handling', () => {
  it.each([
    ['plain text', 'vastai/rate-limit-429.txt'],
    ['{"detail"}', 'vastai/rate-limit-429-detail.json'],
    ['{"message","code"}', 'vastai/rate-limit-429-message.json'],
  ])('backs off on a %s 429 and succeeds when the limit clears', async (_shape, file) => {
    server.on(
      'GET /api/v0/instances/12345678/',
      { status: 429, fixture: file },
      { status: 429, fixture: file },
      { fixture: 'vastai/instance-loading.json' },
    );
    await expect(client().getInstance('12345678')).resolves.toMatchObject({ provider_status: 'loading' });
    // exponential: the second wait is longer than the first
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]!).toBeGreaterThan(sleeps[0]!);
  });

  it('gives up with ProviderRateLimitedError when the limit does not clear', async () => {
    server.on('POST /api/v0/bundles/', { status: 429, fixture: 'vastai/rate-limit-429-detail.json' });
    await expect(client().listOffers()).rejects.toMatchObject({ name: 'ProviderRateLimitedError' });
    expect(server.calls('POST /api/v0/bundles/')).toHaveLength(5);
  });
});
