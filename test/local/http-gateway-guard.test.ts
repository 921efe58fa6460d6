// The local gateway refuses what a web page could use to drive it: a foreign Host (DNS rebinding) or Origin, and,
// through the shared HTTP stack, a body that is not JSON (a text/plain or form POST needs no CORS preflight).
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalHttpServer } from '../../local/http-server.ts';
import type { LambdaHost } from '../../local/lambda-host.ts';
import { allowedHostNames, checkRequestOrigin } from '../../local/request-guard.ts';
import { httpHandler, json } from '../../shared/http/http-handler.ts';
import { lambdaContext } from '../support/http.ts';

const route = httpHandler(async (req) => json(201, { created: true, body: req.body, request_id: req.requestId }));
let invocations = 0;
const lambdas = {
  invoke: async (_id: string, event: unknown) => {
    invocations += 1;
    return route(event as never, lambdaContext);
  },
} as unknown as LambdaHost;

let server: LocalHttpServer;
let port: number;

beforeAll(async () => {
  server = new LocalHttpServer({ host: '127.0.0.1', port: 0, lambdas, startingMessage: () => undefined });
  port = Number(new URL(await server.listen()).port);
});
afterAll(() => server.close());

function send(headers: Record<string, string>, body?: string, method = 'POST'): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: '/api/v1/sessions', headers: { ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the local gateway', () => {
  it('refuses the request of a foreign web page (text/plain POST with its Origin) with 403 JSON, invoking nothing', async () => {
    const before = invocations;
    const res = await send({ host: `127.0.0.1:${port}`, origin: 'https://evil.example', 'content-type': 'text/plain' }, '{"offer_id":"x"}');
    expect(res.status).toBe(403);
    expect(res.body['error_type']).toBe('forbidden_origin');
    expect(invocations).toBe(before);
  });

  it('refuses a Host that is not its own (DNS rebinding), and its own name on another port', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, `localhost:${port + 1}`, `10.0.0.5:${port}`]) {
      const res = await send({ host, 'content-type': 'application/json' }, '{}');
      expect(res.status, host).toBe(403);
      expect(res.body['error_type'], host).toBe('forbidden_host');
    }
  });

  it('serves clients that name it by a loopback name, with no Origin or its own', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      expect((await send({ host, 'content-type': 'application/json' }, '{"a":1}')).status, host).toBe(201);
    }
    expect((await send({ host: `localhost:${port}`, origin: `http://localhost:${port}`, 'content-type': 'application/json' }, '{}')).status).toBe(201);
    for (const origin of ['null', `https://localhost:${port}`, `http://localhost:${port + 1}`]) {
      expect((await send({ host: `localhost:${port}`, origin, 'content-type': 'application/json' }, '{}')).status, origin).toBe(403);
    }
  });

  it('answers a same-origin body that is not JSON with 415 unsupported_media_type; no body at all still works', async () => {
    const res = await send({ host: `localhost:${port}`, 'content-type': 'text/plain' }, '{"a":1}');
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ error_type: 'unsupported_media_type' });
    expect((await send({ host: `localhost:${port}` }, undefined, 'POST')).status).toBe(201);
    expect((await send({ host: `localhost:${port}` }, undefined, 'DELETE')).status).not.toBe(415);
  });
});

describe('allowed host names', () => {
  it('are the loopback names, plus the address it listens on', () => {
    expect([...allowedHostNames('127.0.0.1')].sort()).toEqual(['127.0.0.1', 'localhost', '[::1]'].sort());
    expect(allowedHostNames('::1').has('[::1]')).toBe(true);
    expect(allowedHostNames('192.168.1.20').has('192.168.1.20')).toBe(true);
    expect(checkRequestOrigin({ host: '[::1]:8080' }, allowedHostNames('::1'), 8080)).toBeUndefined();
    expect(checkRequestOrigin({ host: 'localhost' }, allowedHostNames('127.0.0.1'), 80)).toBeUndefined();
  });
});
