import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../shared/http/routes/health.ts';
import { callHandler } from '../support/http.ts';

const now = () => new Date('2026-11-28T12:00:00Z');

describe('GET /health and GET /ready', () => {
  it('health answers ok with the version without consulting any dependency', async () => {
    const handler = makeHandler({
      version: '1.2.3',
      now,
      readinessChecks: [{ name: 'storage', check: () => Promise.reject(new Error('down')) }],
    });
    const res = await callHandler(handler, { path: '/health' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', version: '1.2.3', timestamp: '2026-11-28T12:00:00.000Z' });
  });

  it('ready is true when every check passes', async () => {
    const handler = makeHandler({ version: 'v', now, readinessChecks: [{ name: 'storage', check: async () => undefined }] });
    const res = await callHandler(handler, { path: '/ready' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ready: true, checks: { storage: 'ok' } });
  });

  it('ready is 503 with a message naming the failing dependency', async () => {
    const handler = makeHandler({
      version: 'v',
      now,
      readinessChecks: [
        { name: 'storage', check: async () => undefined },
        { name: 'inventory', check: async () => 'no snapshot yet' },
        { name: 'queue', check: () => Promise.reject(Object.assign(new Error('x'), { name: 'TimeoutError' })) },
      ],
    });
    const res = await callHandler(handler, { path: '/ready' });
    expect(res.status).toBe(503);
    expect(res.body['ready']).toBe(false);
    expect(res.body['message']).toBe('inventory: no snapshot yet; queue: unavailable: TimeoutError');
  });
});
