// Defence in depth inside the handlers: with AUTH_MODE=api-key a route marked auth refuses a request that did not
// come through the authorizer (a misconfigured route), and admin-only actions refuse consumer keys.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../shared/domain/errors.ts';
import { requireAdmin } from '../../shared/http/auth.ts';
import { errorAnswer } from '../../shared/http/error-map.ts';
import { httpHandler, json } from '../../shared/http/http-handler.ts';
import { callHandler } from '../support/http.ts';

const saved = process.env['AUTH_MODE'];
afterEach(() => {
  if (saved === undefined) delete process.env['AUTH_MODE'];
  else process.env['AUTH_MODE'] = saved;
});

const ok = async () => json(200, { ok: true });

describe('the shared HTTP stack with API keys on', () => {
  it('answers 401 {error, error_type, request_id} on a protected route reached without the authorizer', async () => {
    process.env['AUTH_MODE'] = 'api-key';
    const handler = httpHandler(ok);
    const res = await callHandler(handler, { path: '/api/v1/sessions', routePath: '/api/v1/sessions' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error_type: 'unauthorized', error: 'an API key is required' });
    expect(typeof res.body['request_id']).toBe('string');
    // a consumer context without a consumer is no principal either
    const hollow = await callHandler(handler, { path: '/api/v1/sessions', routePath: '/api/v1/sessions', authorizer: { keyId: 'k', consumerId: '', admin: false } });
    expect(hollow.status).toBe(401);
    const keyed = await callHandler(handler, { path: '/api/v1/sessions', routePath: '/api/v1/sessions', authorizer: { keyId: 'k', consumerId: 'a', admin: false } });
    expect(keyed.status).toBe(200);
    const admin = await callHandler(handler, { path: '/api/v1/sessions', routePath: '/api/v1/sessions', authorizer: { keyId: 'k', consumerId: '', admin: true } });
    expect(admin.status).toBe(200);
  });

  it('leaves public routes and the $default 404 alone', async () => {
    process.env['AUTH_MODE'] = 'api-key';
    const handler = httpHandler(ok);
    expect((await callHandler(handler, { path: '/health' })).status).toBe(200);
    expect((await callHandler(handler, { path: '/api/v1/openapi.json' })).status).toBe(200);
    expect((await callHandler(handler, { path: '/nowhere', routePath: '$default' })).status).toBe(200);
  });

  it('lets everything through with AUTH_MODE=none (the local default)', async () => {
    process.env['AUTH_MODE'] = 'none';
    expect((await callHandler(httpHandler(ok), { path: '/api/v1/sessions', routePath: '/api/v1/sessions' })).status).toBe(200);
  });

  it('refuses to build a handler with an unknown AUTH_MODE (a cold-start failure, not a 500 per request)', () => {
    process.env['AUTH_MODE'] = 'apikey';
    expect(() => httpHandler(ok)).toThrow(ConfigError);
  });
});

describe('admin-only actions', () => {
  it('allow an admin key and the keyless local runtime, refuse a consumer key', () => {
    expect(() => requireAdmin({ admin: true, keyId: 'k' }, 'x')).not.toThrow();
    expect(() => requireAdmin({ admin: false }, 'x')).not.toThrow();
    expect(() => requireAdmin({ admin: false, keyId: 'k', consumerId: 'a' }, 'manage keys')).toThrow(/only an admin key may manage keys/);
    expect(() => requireAdmin({ admin: false, keyId: 'k' }, 'x')).toThrow();
  });
});

describe('error answers', () => {
  it('redact secrets in string details as in messages', () => {
    const answer = errorAnswer(new ValidationError('bad', { detail: 'Authorization: Bearer abcdefghijklmnop' }), 'r-1');
    expect(JSON.stringify(answer.body)).not.toContain('abcdefghijklmnop');
  });
});
