// The CLI against small stub servers: what it sends (routes, bodies, the API key) and how it reports what comes back,
// for the cases the local runtime does not produce (API keys routes, proxies, outages, an older server's ordering).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.ts';
import { renderTable } from '../../cli/output.ts';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: unknown;
}

type Reply = (req: Seen) => { status: number; body: unknown; contentType?: string };

const servers: Server[] = [];

async function stub(reply: Reply): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (d: Buffer) => {
      raw += d.toString();
    });
    req.on('end', () => {
      const entry: Seen = {
        method: req.method!,
        url: req.url!,
        authorization: req.headers.authorization,
        body: raw ? JSON.parse(raw) : undefined,
      };
      seen.push(entry);
      const answer = reply(entry);
      res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    sleep: () => Promise.resolve(),
  });
  return { code, stdout, stderr };
}

const KEY = { key_id: '3f9a0c1d2e4b', consumer_id: 'team-a', admin: false, prefix: 'gsk_3f9a0c1d2e4b', created_at: '2026-05-01T12:00:00.000Z' };

describe('keys (admin)', () => {
  it('create, list and revoke speak the keys routes with the admin key, and show the secret only on create', async () => {
    const api = await stub(({ method, url, authorization }) => {
      if (authorization !== 'Bearer gs_admin_secret') {
        return { status: 401, body: { error: 'missing or invalid API key', error_type: 'unauthorized', request_id: 'r-401' } };
      }
      if (method === 'POST' && url === '/api/v1/keys') {
        return { status: 201, body: { key: KEY, api_key: 'gsk_3f9a0c1d2e4b_the_whole_secret', message: 'Store api_key now' } };
      }
      if (method === 'GET' && url === '/api/v1/keys?consumer_id=team-a') {
        return { status: 200, body: { keys: [KEY, { ...KEY, key_id: '77aa00bb11cc', label: 'ci', revoked_at: '2026-05-02T08:00:00.000Z' }], count: 2 } };
      }
      // the key itself, as the keys route answers; `{key}` is read too
      if (method === 'DELETE' && url === '/api/v1/keys/3f9a0c1d2e4b') return { status: 200, body: { ...KEY, revoked_at: '2026-05-03T09:30:00.000Z' } };
      if (method === 'DELETE' && url === '/api/v1/keys/77aa00bb11cc') return { status: 200, body: { key: { ...KEY, id: '77aa00bb11cc', key_id: undefined, revoked_at: '2026-05-03T09:31:00.000Z' } } };
      return { status: 404, body: { error: 'no API key', error_type: 'not_found', request_id: 'r-404' } };
    });
    const env = { GPU_SHOPPER_URL: api.url, GPU_SHOPPER_API_KEY: 'gs_admin_secret' };

    const created = await cli(['keys', 'create', '--consumer', 'team-a'], env);
    expect(created.code, created.stderr).toBe(0);
    expect(api.seen[0]!.body).toEqual({ consumer_id: 'team-a' });
    expect(created.stdout).toMatch(/^3f9a0c1d2e4b\s+gsk_3f9a0c1d2e4b…\s+team-a\s+no\s+2026-05-01 12:00:00Z$/m);
    expect(created.stdout).toContain('api key (shown once; keep it secret): gsk_3f9a0c1d2e4b_the_whole_secret');

    const listed = await cli(['keys', 'list', '-c', 'team-a'], env);
    expect(listed.stdout).not.toContain('the_whole_secret');
    expect(listed.stdout).toMatch(/^77aa00bb11cc\s+gsk_3f9a0c1d2e4b…\s+team-a\s+no\s+ci\s+2026-05-01 12:00:00Z\s+2026-05-02 08:00:00Z$/m);

    const revoked = await cli(['keys', 'revoke', '3f9a0c1d2e4b'], env);
    expect(revoked.stdout).toBe('key 3f9a0c1d2e4b (gsk_3f9a0c1d2e4b…, team-a) revoked at 2026-05-03 09:30:00Z\n');
    const wrapped = await cli(['keys', 'revoke', '77aa00bb11cc'], env);
    expect(wrapped.stdout).toBe('key 77aa00bb11cc (gsk_3f9a0c1d2e4b…, team-a) revoked at 2026-05-03 09:31:00Z\n');
    const unknown = await cli(['keys', 'revoke', 'nope'], env);
    expect(unknown).toMatchObject({ code: 1, stderr: 'error: not_found: no API key (request id r-404)\n' });

    // --api-key wins over the environment; a wrong key is the API's 401, on one line with its request id
    const refused = await cli(['--api-key', 'gs_wrong', 'keys', 'list'], env);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toBe('error: unauthorized: missing or invalid API key (request id r-401)\n');
    expect(api.seen.at(-1)!.authorization).toBe('Bearer gs_wrong');

    const admin = await cli(['keys', 'create', '--admin', '--label', 'ops team'], env);
    expect(admin.code).toBe(0);
    expect(api.seen.at(-1)!.body).toEqual({ admin: true, label: 'ops team' });
  });
});

describe('talking to a server', () => {
  it('sends no Authorization header without a key, and keeps a stage path of --server', async () => {
    const api = await stub(() => ({ status: 200, body: { offers: [], count: 0, total: 0, providers: {} } }));
    const run = await cli(['--server', `${api.url}/prod`, 'inventory', '--gpu', 'H100 SXM', '--max-price', '2.5', '--min-gpus', '8']);
    expect(run.code, run.stderr).toBe(0);
    expect(api.seen[0]!.authorization).toBeUndefined();
    const url = new URL(api.seen[0]!.url, 'http://x');
    expect(url.pathname).toBe('/prod/api/v1/inventory');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      gpu_type: 'H100 SXM',
      max_price: '2.5',
      min_gpu_count: '8',
      limit: '50',
      sort: 'price',
    });
    expect(run.stdout).toContain('0 of 0 matching offers');
  });

  it('turns a proxy error page, an unreachable server and an unknown command into one line each', async () => {
    const proxy = await stub(() => ({ status: 502, body: '<html><body>\n<h1>502 Bad Gateway</h1>\n</body></html>', contentType: 'text/html' }));
    const bad = await cli(['--server', proxy.url, 'sessions', 'list']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: http_502: 502 Bad Gateway: <html><body> <h1>502 Bad Gateway<\/h1> <\/body><\/html>\n$/);

    const closed = await stub(() => ({ status: 200, body: {} }));
    const url = closed.url;
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    const down = await cli(['--server', url, 'sessions', 'list']);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`error: connection_failed: cannot reach ${url} (ECONNREFUSED); is the server running? (--server, GPU_SHOPPER_URL)\n`);

    const usage = await cli(['-o', 'yaml', 'inventory']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/^error: invalid_argument: option '-o, --output <format>' argument 'yaml' is invalid\. Allowed choices are table, json\.\n$/);
  });

  it('provision --gpu takes the cheapest offer even when the server lists another first, and --wait rides out a brief outage', async () => {
    const offers = [
      { id: 'vastai-1', provider: 'vastai', gpu_type: 'RTX 4090', gpu_count: 1, price_per_hour: 0.4, confidence: 0.99, availability: 'available', location: 'Oregon, US' },
      { id: 'vastai-2', provider: 'vastai', gpu_type: 'RTX 4090', gpu_count: 1, price_per_hour: 0.25, confidence: 0.6, availability: 'available', location: 'Ohio, US' },
      // cheaper still, but from a provider whose last refresh failed: it may be gone
      { id: 'vastai-3', provider: 'vastai', gpu_type: 'RTX 4090', gpu_count: 1, price_per_hour: 0.2, confidence: 0.5, availability: 'stale', location: 'Iowa, US' },
    ];
    const session = { id: '5d0c3ad6-3c1b-4a8e-9d53-6c2ad1a9f0d1', status: 'pending', phase: 'queued', gpu_type: 'RTX 4090', provider: 'vastai', price_per_hour: 0.25 };
    let sessionReads = 0;
    const api = await stub(({ method, url }) => {
      if (url.startsWith('/api/v1/inventory')) return { status: 200, body: { offers, count: 3, total: 3, providers: {} } };
      if (method === 'POST') return { status: 201, body: { session, ssh_private_key: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n' } };
      if (url.endsWith('/events')) return { status: 200, body: { events: [{ type: 'running', at: '2026-05-01T12:00:03.000Z', attempt: 1 }] } };
      sessionReads += 1;
      if (sessionReads === 1) return { status: 503, body: { error: 'the service is briefly unavailable; retry shortly', error_type: 'service_unavailable', request_id: 'r-503' } };
      return {
        status: 200,
        body: { ...session, status: 'running', phase: 'ready', ssh_host: '203.0.113.7', ssh_port: 41022, ssh_user: 'root', gpu_count: 1, expires_at: '2026-05-01T14:00:00.000Z' },
      };
    });
    const run = await cli(['--server', api.url, 'provision', '--gpu', 'rtx4090', '-c', 'c1', '--print-key', '--wait', '--idle-stop', '30']);
    expect(run.code, run.stderr).toBe(0);
    expect(api.seen.find((s) => s.method === 'POST')!.body).toMatchObject({
      offer_id: 'vastai-2',
      consumer_id: 'c1',
      reservation_hours: 2,
      workload_type: 'llm',
      auto_retry: true,
      idle_stop_minutes: 30,
    });
    expect(new URL(api.seen[0]!.url, 'http://x').searchParams.get('sort')).toBe('price');
    expect(run.stderr).toContain('server did not answer (service_unavailable); retrying');
    expect(run.stdout).toContain('-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('ssh -i <private key file> -p 41022 root@203.0.113.7');
  });
});

describe('ending a session', () => {
  it('done --wait fails when the provider never confirmed the instance destroyed (it may still bill)', async () => {
    const id = '9a1f3c2e-6b4d-4e8a-8f10-2c3d4e5f6a7b';
    const base = { id, status: 'stopping', phase: 'stopping', gpu_type: 'RTX 4090', provider: 'vastai' };
    const api = await stub(({ method, url }) => {
      if (method === 'POST') return { status: 202, body: { ...base, session_id: id, message: 'teardown started' } };
      if (url.endsWith('/events')) return { status: 200, body: { events: [{ type: 'failed', at: '2026-05-01T12:00:00.000Z', error_type: 'destroy_failed' }] } };
      return {
        status: 200,
        body: { ...base, status: 'failed', phase: 'failed', error_type: 'destroy_failed', error: 'vastai never confirmed instance 123 destroyed' },
      };
    });
    const run = await cli(['--server', api.url, 'sessions', 'done', id, '--wait']);
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe('error: destroy_failed: vastai never confirmed instance 123 destroyed');
    expect(api.seen[0]).toMatchObject({ method: 'POST', url: `/api/v1/sessions/${id}/done` });
  });
});

describe('tables', () => {
  it('pads columns to their widest cell and right-aligns numbers', () => {
    expect(
      renderTable(
        [{ header: 'OFFER' }, { header: 'USD/H', align: 'right' }, { header: 'WHERE' }],
        [
          ['vastai-1', '$0.2000', 'Ohio'],
          ['tensordock-long-id', '$12.5000', ''],
        ],
      ),
    ).toBe(['OFFER                  USD/H  WHERE', 'vastai-1             $0.2000  Ohio', 'tensordock-long-id  $12.5000', ''].join('\n'));
  });
});

describe('watches', () => {
  it('create sends the filters, the price and, with --create, the session with the public key; cancel deletes', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const keyFile = `${mkdtempSync(`${tmpdir()}/gs-cli-`)}/id.pub`;
    writeFileSync(keyFile, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF0IXiDhkxg1vI/vgT1l3JvcZGDMYUPq8FAlzddZgBXd me\n');
    const id = '9a1f3c2e-6b4d-4e8a-8f10-2c3d4e5f6a7c';
    const watch = { id, consumer_id: 'team-a', filters: { gpu_type: 'RTX 4090' }, max_price: 0.35, action: 'create', status: 'active', expires_at: '2026-12-08T00:00:00.000Z' };
    const api = await stub(({ method }) => ({ status: method === 'POST' ? 201 : 200, body: method === 'DELETE' ? { ...watch, status: 'cancelled' } : watch }));
    const made = await cli(['--server', api.url, 'watches', 'create', '--gpu', 'RTX 4090', '--max-price', '0.35', '--disk', '100', '--create', '--public-key', keyFile, '--reservation-hours', '2']);
    expect(made.code, made.stderr).toBe(0);
    expect(api.seen[0]).toMatchObject({
      method: 'POST',
      url: '/api/v1/watches',
      body: {
        filters: { gpu_type: 'RTX 4090', disk_gb: 100 },
        max_price: 0.35,
        action: 'create',
        session: { workload_type: 'llm', reservation_hours: 2, ssh_public_key: expect.stringMatching(/^ssh-ed25519 AAAA.* me$/) },
      },
    });
    expect(made.stdout).toContain(id);
    const refused = await cli(['--server', api.url, 'watches', 'create', '--max-price', '1', '--create']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--public-key');
    expect((await cli(['--server', api.url, 'watches', 'cancel', id])).stdout).toContain('cancelled');
    expect(api.seen.at(-1)).toMatchObject({ method: 'DELETE', url: `/api/v1/watches/${id}` });
  });
});

describe('settings', () => {
  it('set sends the idle default (or null with --no-idle-stop) to the consumer’s settings; show prints it', async () => {
    const api = await stub(({ method, body }) => ({
      status: 200,
      body: { consumer_id: 'team a', ...(method === 'PUT' && (body as { idle_stop_minutes: number | null }).idle_stop_minutes !== null ? { idle_stop_minutes: 30 } : {}) },
    }));
    const set = await cli(['--server', api.url, 'settings', 'set', '-c', 'team a', '--idle-stop', '30']);
    expect(set.code, set.stderr).toBe(0);
    expect(api.seen[0]).toMatchObject({ method: 'PUT', url: '/api/v1/consumers/team%20a/settings', body: { idle_stop_minutes: 30 } });
    expect(set.stdout).toContain('30 min');
    await cli(['--server', api.url, 'settings', 'set', '-c', 'team a', '--no-idle-stop']);
    expect(api.seen.at(-1)).toMatchObject({ method: 'PUT', body: { idle_stop_minutes: null } });
    const shown = await cli(['--server', api.url, 'settings', 'show', '-c', 'team a']);
    expect(shown.stdout).toMatch(/idle stop\s+none/);
    const bad = await cli(['--server', api.url, 'settings', 'set', '-c', 'team a', '--idle-stop', '5']);
    expect(bad.code).not.toBe(0);
    const neither = await cli(['--server', api.url, 'settings', 'set', '-c', 'team a']);
    expect(neither.stderr).toContain('--idle-stop');
    expect(api.seen).toHaveLength(3);
  });
});
