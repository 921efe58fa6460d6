import { describe, expect, it, vi } from 'vitest';
import { ConcurrencyError, NotFoundError, StaleInventoryError, ValidationError } from '../../shared/domain/errors.ts';
import { httpHandler, json, MAX_BODY_BYTES } from '../../shared/http/http-handler.ts';
import { callHandler } from '../support/http.ts';

const echo = httpHandler(async (req) => json(200, { body: req.body, query: req.query, id: req.requestId, client: req.clientRequestId }));

describe('the shared HTTP middleware stack', () => {
  it('parses a JSON body; a well-formed X-Request-ID is the client_request_id, beside a server-made request_id', async () => {
    const res = await callHandler(echo, {
      method: 'POST',
      path: '/x?a=1',
      body: { hello: 'world' },
      headers: { 'X-Request-ID': 'abc-123.def_4' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ body: { hello: 'world' }, query: { a: '1' }, client: 'abc-123.def_4' });
    expect(res.body['id']).not.toBe('abc-123.def_4');
    expect(res.headers['x-request-id']).toBe(res.body['id']);
  });

  it('never lets two callers share a request_id by sending the same X-Request-ID; errors carry both ids', async () => {
    const failing = httpHandler(async () => {
      throw new NotFoundError('nothing here');
    });
    const [a, b] = await Promise.all([
      callHandler(failing, { path: '/x', headers: { 'x-request-id': 'same-id' } }),
      callHandler(failing, { path: '/x', headers: { 'x-request-id': 'same-id' } }),
    ]);
    expect(a.body['request_id']).not.toBe(b.body['request_id']);
    expect(a.body['client_request_id']).toBe('same-id');
    expect(b.body['client_request_id']).toBe('same-id');
  });

  it('ignores a malformed X-Request-ID', async () => {
    const res = await callHandler(echo, { path: '/x', headers: { 'x-request-id': 'bad id <script>' } });
    expect(res.body['client']).toBeUndefined();
    expect(res.body['id']).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
  });

  it('refuses a body that is not JSON with 415 unsupported_media_type, and still serves requests without a body', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      const res = await callHandler(echo, { method: 'POST', path: '/x', body: '{"a":1}', headers: { 'content-type': contentType } });
      expect(res.status, contentType).toBe(415);
      expect(res.body).toMatchObject({ error_type: 'unsupported_media_type' });
      expect(typeof res.body['request_id']).toBe('string');
    }
    for (const contentType of ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json']) {
      const res = await callHandler(echo, { method: 'POST', path: '/x', body: '{"a":1}', headers: { 'content-type': contentType } });
      expect(res.status, contentType).toBe(200);
    }
    for (const method of ['GET', 'DELETE', 'POST']) {
      const res = await callHandler(echo, { method, path: '/x', headers: { 'content-type': 'text/plain' } });
      expect(res.status, method).toBe(200);
    }
  });

  it('answers invalid JSON with 400 invalid_json', async () => {
    const res = await callHandler(echo, { method: 'POST', path: '/x', body: '{"a":' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'invalid_json' });
    expect(typeof res.body['request_id']).toBe('string');
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await callHandler(echo, { method: 'POST', path: '/x', body: JSON.stringify({ a: 'x'.repeat(MAX_BODY_BYTES) }) });
    expect(res.status).toBe(413);
    expect(res.body['error_type']).toBe('payload_too_large');
  });

  it('maps client errors to their status with details, and hides internal errors', async () => {
    const notFound = httpHandler(async () => {
      throw new NotFoundError('session s-1 not found', { session_id: 's-1' });
    });
    const r1 = await callHandler(notFound, { path: '/x' });
    expect(r1.status).toBe(404);
    expect(r1.body).toMatchObject({ error: 'session s-1 not found', error_type: 'not_found', session_id: 's-1' });

    const invalid = httpHandler(async () => {
      throw new ValidationError('limit must be ≤ 500', { field: 'limit' });
    });
    expect((await callHandler(invalid, { path: '/x' })).body).toMatchObject({ error_type: 'validation_error', field: 'limit' });

    const crash = httpHandler(async () => {
      throw new Error('database password is hunter2');
    });
    const r3 = await callHandler(crash, { path: '/x' });
    expect(r3.status).toBe(500);
    expect(JSON.stringify(r3.body)).not.toContain('hunter2');
    expect(r3.body['error_type']).toBe('internal_error');

    const busy = httpHandler(async () => {
      throw new ConcurrencyError('lost a race');
    });
    const r4 = await callHandler(busy, { path: '/x' });
    expect(r4.status).toBe(503);
    expect(r4.body).toMatchObject({ error_type: 'service_unavailable', retry_suggested: true });
  });

  it('never echoes private key material in an error message', async () => {
    const leaky = httpHandler(async () => {
      throw new ValidationError('bad key -----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----');
    });
    const res = await callHandler(leaky, { path: '/x' });
    expect(String(res.body['error'])).not.toContain('AAAA');
    expect(String(res.body['error'])).toContain('[REDACTED PRIVATE KEY]');
  });

  it('counts an unexpected failure on the UnhandledErrors metric the FunctionErrors alarm watches, and a client error not', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await callHandler(httpHandler(async () => { throw new Error('bug'); }), { path: '/x' });
      await callHandler(httpHandler(async () => { throw new NotFoundError('nope'); }), { path: '/x' });
    } finally {
      spy.mockRestore();
    }
    const counted = lines.filter((l) => l.includes('"UnhandledErrors":1'));
    expect(counted).toHaveLength(1);
    expect(JSON.parse(counted[0]!)._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service']]);
  });

  it('counts server faults for the ApiServerErrors alarm: 500s, 503 service_unavailable and 503 answers, never 503 stale_inventory', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const faults = () => lines.filter((l) => l.includes('"ApiServerFaults":1')).length;
    try {
      await callHandler(httpHandler(async () => { throw new StaleInventoryError('offer gone'); }), { path: '/x' });
      await callHandler(httpHandler(async () => { throw new NotFoundError('nope'); }), { path: '/x' });
      await callHandler(httpHandler(async () => json(200, {})), { path: '/x' });
      expect(faults()).toBe(0);
      await callHandler(httpHandler(async () => { throw new Error('bug'); }), { path: '/x' });
      await callHandler(httpHandler(async () => { throw new ConcurrencyError('lost a race'); }), { path: '/x' });
      await callHandler(httpHandler(async () => json(503, { ready: false })), { path: '/x' });
    } finally {
      spy.mockRestore();
    }
    expect(faults()).toBe(3);
  });
});
