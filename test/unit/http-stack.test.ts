import { describe, expect, it, vi } from 'vitest';
import { ConcurrencyError, NotFoundError, ValidationError } from '../../shared/domain/errors.ts';
import { httpHandler, json, MAX_BODY_BYTES } from '../../shared/http/http-handler.ts';
import { callHandler } from '../support/http.ts';

const echo = httpHandler(async (req) => json(200, { body: req.body, query: req.query, id: req.requestId }));

describe('the shared HTTP middleware stack', () => {
  it('parses a JSON body and echoes a well-formed X-Request-ID', async () => {
    const res = await callHandler(echo, {
      method: 'POST',
      path: '/x?a=1',
      body: { hello: 'world' },
      headers: { 'X-Request-ID': 'abc-123.def_4' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ body: { hello: 'world' }, query: { a: '1' }, id: 'abc-123.def_4' });
    expect(res.headers['x-request-id']).toBe('abc-123.def_4');
  });

  it('replaces a malformed X-Request-ID with a generated one', async () => {
    const res = await callHandler(echo, { path: '/x', headers: { 'x-request-id': 'bad id <script>' } });
    expect(res.body['id']).not.toBe('bad id <script>');
    expect(res.body['id']).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
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
});
