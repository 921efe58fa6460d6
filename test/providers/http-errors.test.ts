// The shared HTTP layer: one classification of provider failures, per-request timeouts, retries only where
// they are safe, and credentials that never reach an error message or a log line.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../local/free-port.ts';
import { ProviderHttp, type ProviderRequest } from '../../shared/adapters/providers/http.ts';
import { TokenBucket } from '../../shared/adapters/providers/rate-limiter.ts';
import { TensorDockClient } from '../../shared/adapters/providers/tensordock.ts';
import { VastAiClient } from '../../shared/adapters/providers/vastai/client.ts';
import { logger } from '../../shared/observability/powertools.ts';
import { instantSleep, ReplayServer } from './replay-server.ts';

const SECRET = 'f00dfacecafebeef0123456789abcdef0123456789abcdef0123456789abcdef';
const server = new ReplayServer();

function http(baseUrl = server.url, sleeps: number[] = []): ProviderHttp {
  return new ProviderHttp({
    provider: 'vastai',
    baseUrl,
    credential: SECRET,
    limiter: new TokenBucket({ ratePerSecond: 1000, burst: 1000 }),
    sleep: instantSleep(sleeps),
    random: () => 0.5,
  });
}

const get = (extra: Partial<ProviderRequest> = {}): ProviderRequest => ({
  method: 'GET',
  path: '/thing',
  operation: 'get thing',
  timeoutMs: 2000,
  idempotent: true,
  ...extra,
});

beforeAll(async () => {
  await server.listen();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

describe('error classification', () => {
  it.each([
    [401, 'ProviderAuthError'],
    [403, 'ProviderAuthError'],
    [404, 'InstanceNotFoundError'],
    [400, 'InvalidProviderRequestError'],
    [409, 'InvalidProviderRequestError'],
    [422, 'InvalidProviderRequestError'],
  ])('HTTP %i → %s', async (status, name) => {
    server.on('GET /thing', { status, body: { error: 'nope' } });
    const res = await http().send(get());
    expect(res.status).toBe(status);
    expect(http().errorFor('get thing', res)).toMatchObject({
      name,
      details: { http_status: status, provider: 'vastai' },
    });
  });

  it.each([
    [429, 'ProviderRateLimitedError'],
    [500, 'ProviderUnavailableError'],
    [502, 'ProviderUnavailableError'],
    [503, 'ProviderUnavailableError'],
    [504, 'ProviderUnavailableError'],
  ])('HTTP %i (after the retries) → %s, a transient error', async (status, name) => {
    server.on('GET /thing', { status, body: 'busy', contentType: 'text/plain' });
    await expect(http().send(get())).rejects.toMatchObject({ name, family: 'transient' });
  });

  it('a refused connection is ProviderUnavailableError with the network code', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    await expect(http(closed).send(get())).rejects.toMatchObject({
      name: 'ProviderUnavailableError',
      details: { network_error: 'ECONNREFUSED' },
    });
  });

  it('a request slower than its timeout is ProviderUnavailableError', async () => {
    server.on('GET /thing', { delayMs: 1500, body: {} });
    const started = Date.now();
    await expect(http().send(get({ timeoutMs: 100, idempotent: false }))).rejects.toMatchObject({
      name: 'ProviderUnavailableError',
      details: { timeout_ms: 100 },
    });
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it('repeats idempotent requests after a 5xx, and never a non-idempotent one', async () => {
    server.on('GET /thing', { status: 503, body: 'x', contentType: 'text/plain' }, { body: { ok: true } });
    await expect(http().send(get())).resolves.toMatchObject({ status: 200, json: { ok: true } });
    expect(server.calls('GET /thing')).toHaveLength(2);

    server.reset();
    server.on('PUT /thing', { status: 503, body: 'x', contentType: 'text/plain' }, { body: { ok: true } });
    await expect(http().send(get({ method: 'PUT', idempotent: false }))).rejects.toMatchObject({
      name: 'ProviderUnavailableError',
    });
    expect(server.calls('PUT /thing')).toHaveLength(1);
  });

  it('leaves credential-like fields of a body out of messages', async () => {
    server.on('GET /thing', { status: 400, body: { success: true, instance_api_key: 'd15a3c1bd0b6d7d1', msg: 'odd' } });
    const err = http().errorFor('get thing', await http().send(get()));
    expect(err.message).toContain('"instance_api_key":"[REDACTED]"');
    expect(err.message).not.toContain('d15a3c1bd0b6d7d1');
  });

  it('keeps messages to one bounded line of text, even for HTML pages', async () => {
    server.on('GET /thing', {
      status: 400,
      body: `<html><body><h1>Bad</h1><p>${'x'.repeat(2000)}</p></body></html>`,
      contentType: 'text/html',
    });
    const err = http().errorFor('get thing', await http().send(get()));
    expect(err.message).not.toMatch(/[<>\n]/);
    expect(err.message.length).toBeLessThan(400);
  });
});

describe('credentials', () => {
  let output = '';
  beforeEach(() => {
    output = '';
    logger.setLogLevel('DEBUG');
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        output += String(chunk);
        return true;
      });
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
    logger.setLogLevel('ERROR');
  });

  it('are sent only as a Bearer header, and never appear in errors or logs even when a provider echoes them', async () => {
    const echo = { error: `invalid token Bearer ${SECRET} (api_key=${SECRET})`, raw: SECRET };
    server
      .on('POST /api/v0/bundles/', { status: 429, body: echo }, { status: 401, body: echo })
      .on('PUT /api/v0/asks/1/', { status: 502, body: `<html>${SECRET}</html>`, contentType: 'text/html' })
      .on('GET /api/v2/locations', { status: 200, body: { status: 400, error: `token ${SECRET} rejected` } })
      .on('DELETE /api/v2/instances/abc', { status: 500, body: echo });

    const vast = new VastAiClient({
      apiKey: SECRET,
      baseUrl: `${server.url}/api/v0`,
      limiter: new TokenBucket({ ratePerSecond: 1000, burst: 1000 }),
      http: { sleep: instantSleep() },
    });
    const td = new TensorDockClient({
      apiToken: SECRET,
      baseUrl: `${server.url}/api/v2`,
      limiter: new TokenBucket({ ratePerSecond: 1000, burst: 1000 }),
      http: { sleep: instantSleep() },
    });
    const offer = {
      id: 'vastai-1',
      provider: 'vastai' as const,
      provider_offer_id: '1',
      gpu_type: 'RTX 4090',
      gpu_count: 1,
      vram_gb: 24,
      price_per_hour: 1,
      location: '',
      reliability: 1,
      fetched_at: '',
    };
    const errors = await Promise.all([
      vast.listOffers().catch((e: Error) => e),
      vast.createInstance({ offer, label: 'x', disk_gb: 10, ssh_public_keys: [] }).catch((e: Error) => e),
      td.listOffers().catch((e: Error) => e),
      td.destroyInstance('abc').catch((e: Error) => e),
    ]);
    expect(errors.map((e) => (e as Error).name)).toEqual([
      'ProviderAuthError',
      'ProviderUnavailableError',
      'InvalidProviderRequestError',
      'ProviderUnavailableError',
    ]);
    for (const err of errors) {
      const text = `${(err as Error).message} ${JSON.stringify(err)} ${JSON.stringify((err as { details?: unknown }).details)}`;
      expect(text).not.toContain(SECRET);
    }
    // the retries were logged, without the credential
    expect(output).toContain('provider request will be retried');
    expect(output).not.toContain(SECRET);
    for (const call of server.requests) {
      expect(call.headers.authorization).toBe(`Bearer ${SECRET}`);
      expect(call.query.toString()).not.toContain(SECRET);
    }
  });
});
