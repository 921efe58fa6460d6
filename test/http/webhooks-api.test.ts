// The webhook routes against DynamoDB Local: register (secret shown once, stored encrypted), list, read, delete,
// deliveries; a consumer key acts only on its own; every invalid request is a JSON 400 with error_type, never a 500.
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHandler } from '../../shared/http/routes/webhooks.ts';
import { DynamoDeliveryLog } from '../../shared/adapters/dynamodb/delivery-log.ts';
import { DynamoWebhookStore } from '../../shared/adapters/dynamodb/webhook-store.ts';
import type { WebhookDeps } from '../../shared/use-cases/webhooks/manage-webhooks.ts';
import { fakeCipher } from '../fakes/fake-cipher.ts';
import { callHandler } from '../support/http.ts';
import { freshTable } from '../support/table.ts';

let deps: WebhookDeps;
let handler: ReturnType<typeof makeHandler>;

const consumer = (id: string) => ({ keyId: `k-${id}`, consumerId: id, admin: false });

beforeAll(async () => {
  const { db, tableName } = await freshTable('wh');
  deps = {
    webhooks: new DynamoWebhookStore(db, tableName),
    deliveries: new DynamoDeliveryLog(db, tableName),
    cipher: fakeCipher,
    clock: () => new Date('2026-01-01T00:00:00Z'),
    local: false,
  };
  handler = makeHandler(deps);
});

const register = (body: unknown, authorizer?: Record<string, unknown>) =>
  callHandler(handler, { method: 'POST', path: '/api/v1/webhooks', body, ...(authorizer ? { authorizer } : {}) });

describe('POST /api/v1/webhooks', () => {
  it('registers, answers the secret once and stores only its ciphertext', async () => {
    const res = await register({ url: 'https://hooks.example.com/gpu', events: ['session.status_changed'] }, consumer('acme'));
    expect(res.status).toBe(201);
    const webhook = res.body['webhook'] as Record<string, unknown>;
    const secret = res.body['secret'] as string;
    expect(webhook).toMatchObject({ consumer_id: 'acme', url: 'https://hooks.example.com/gpu', events: ['session.status_changed'] });
    expect(webhook['id']).toMatch(/^wh_[0-9a-f]{20}$/);
    expect(secret).toMatch(/^whsec_/);
    const stored = await deps.webhooks.get(webhook['id'] as string);
    expect(stored!.secret_ciphertext).not.toContain(secret);
    expect(await fakeCipher.decrypt(stored!.secret_ciphertext, { webhook_id: webhook['id'] as string })).toBe(secret);
    // never again: not in the read, not in the list
    const read = await callHandler(handler, { path: `/api/v1/webhooks/${webhook['id']}`, routePath: '/api/v1/webhooks/{id}', pathParameters: { id: webhook['id'] as string }, authorizer: consumer('acme') });
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain('whsec_');
    expect(JSON.stringify(read.body)).not.toContain('secret_ciphertext');
  });

  it.each([
    [{ url: 'http://hooks.example.com/x', events: ['session.status_changed'] }, 'url: must be https'],
    [{ url: 'https://127.0.0.1/x', events: ['session.status_changed'] }, 'url: must not be a private'],
    [{ url: 'https://169.254.169.254/latest', events: ['session.status_changed'] }, 'url: must not be a private'],
    [{ url: 'https://[::ffff:10.0.0.1]/x', events: ['session.status_changed'] }, 'url: must not be a private'],
    [{ url: 'https://localhost/x', events: ['session.status_changed'] }, 'url: must be a public host name'],
    [{ url: 'https://u:p@hooks.example.com/x', events: ['session.status_changed'] }, 'url: must not carry credentials'],
    [{ url: 'not a url', events: ['session.status_changed'] }, 'url: must be an absolute URL'],
    [{ url: 'https://hooks.example.com/x', events: [] }, 'events:'],
    [{ url: 'https://hooks.example.com/x', events: ['session.exploded'] }, 'events.0:'],
    [{ url: 'https://hooks.example.com/x', events: ['budget.threshold', 'budget.threshold'] }, 'events: must not repeat'],
    [{ url: 'https://hooks.example.com/x' }, 'events:'],
  ])('refuses %j with a JSON 400', async (body, message) => {
    const res = await register(body, consumer('acme'));
    expect(res.status).toBe(400);
    expect(res.body['error_type']).toBe('validation_error');
    expect(String(res.body['error'])).toContain(message);
  });

  it('answers invalid JSON and a missing consumer with 400s, another consumer with 403', async () => {
    const bad = await callHandler(handler, { method: 'POST', path: '/api/v1/webhooks', body: '{nope', authorizer: consumer('acme') });
    expect(bad.status).toBe(400);
    expect(bad.body['error_type']).toBe('invalid_json');
    const admin = await register({ url: 'https://hooks.example.com/x', events: ['budget.threshold'] }, { keyId: 'a', admin: true });
    expect(admin.status).toBe(400);
    expect(admin.body['field']).toBe('consumer_id');
    const other = await register({ url: 'https://hooks.example.com/x', events: ['budget.threshold'], consumer_id: 'globex' }, consumer('acme'));
    expect(other.status).toBe(403);
  });

  it('limits a consumer to 10 webhooks (409 webhook_limit)', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await register({ url: `https://h${i}.example.com/x`, events: ['budget.threshold'] }, consumer('busy'))).status).toBe(201);
    }
    const res = await register({ url: 'https://h.example.com/x', events: ['budget.threshold'] }, consumer('busy'));
    expect(res.status).toBe(409);
    expect(res.body['error_type']).toBe('webhook_limit');
  });

  it('allows http and loopback only in the local runtime', async () => {
    const local = makeHandler({ ...deps, local: true });
    const res = await callHandler(local, { method: 'POST', path: '/api/v1/webhooks', body: { url: 'http://127.0.0.1:9/x', events: ['budget.threshold'], consumer_id: 'dev' } });
    expect(res.status).toBe(201);
    const lan = await callHandler(local, { method: 'POST', path: '/api/v1/webhooks', body: { url: 'http://192.168.1.5/x', events: ['budget.threshold'], consumer_id: 'dev' } });
    expect(lan.status).toBe(400);
  });
});

describe('reading, deliveries and removal', () => {
  it("shows a consumer only its own webhooks; another's answers 404; deliveries newest first; delete stops it", async () => {
    const mine = await register({ url: 'https://a.example.com/x', events: ['session.retrying'] }, consumer('own'));
    const id = (mine.body['webhook'] as { id: string }).id;
    await register({ url: 'https://b.example.com/x', events: ['session.retrying'] }, consumer('theirs'));
    const list = await callHandler(handler, { path: '/api/v1/webhooks', authorizer: consumer('own') });
    expect((list.body['webhooks'] as { consumer_id: string }[]).map((w) => w.consumer_id)).toEqual(['own']);
    const path = (p: string) => ({ path: `/api/v1/webhooks/${id}${p}`, routePath: `/api/v1/webhooks/{id}${p}`, pathParameters: { id } });
    expect((await callHandler(handler, { ...path(''), authorizer: consumer('theirs') })).status).toBe(404);
    expect((await callHandler(handler, { ...path('/deliveries'), authorizer: consumer('theirs') })).status).toBe(404);
    expect((await callHandler(handler, { path: '/api/v1/webhooks/nope', routePath: '/api/v1/webhooks/{id}', pathParameters: { id: 'nope' } })).status).toBe(404);

    for (const [n, at] of [[1, '2026-01-01T00:00:01.000Z'], [2, '2026-01-01T00:00:02.000Z']] as const) {
      await deps.deliveries.put({ webhook_id: id, event_id: `e${n}`, event_type: 'session.retrying', event_at: at, status: 'retrying', attempts: n, last_status_code: 500, next_attempt_at: at });
    }
    const deliveries = await callHandler(handler, { ...path('/deliveries'), authorizer: consumer('own') });
    expect(deliveries.status).toBe(200);
    expect((deliveries.body['deliveries'] as { event_id: string }[]).map((d) => d.event_id)).toEqual(['e2', 'e1']);
    expect(deliveries.body['deliveries']).toEqual([
      expect.objectContaining({ status: 'retrying', attempts: 2, last_status_code: 500 }),
      expect.objectContaining({ attempts: 1 }),
    ]);
    const badLimit = await callHandler(handler, { ...path('/deliveries'), path: `/api/v1/webhooks/${id}/deliveries?limit=0`, authorizer: consumer('own') });
    expect(badLimit.status).toBe(400);

    expect((await callHandler(handler, { ...path(''), method: 'DELETE', authorizer: consumer('theirs') })).status).toBe(404);
    const del = await callHandler(handler, { ...path(''), method: 'DELETE', authorizer: consumer('own') });
    expect(del.body).toMatchObject({ id, deleted: true });
    expect(await deps.webhooks.get(id)).toBeUndefined();
  });
});
