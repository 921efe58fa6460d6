// The watch routes through the real middy stack and DynamoDB Local: validation, ownership, cancel.
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../shared/http/routes/watches.ts';
import { DynamoWatchStore } from '../../shared/adapters/dynamodb/watch-store.ts';
import { callHandler } from '../support/http.ts';
import { freshTable } from '../support/table.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF0IXiDhkxg1vI/vgT1l3JvcZGDMYUPq8FAlzddZgBXd laptop';
const as = (consumerId: string) => ({ consumerId, keyId: `key-${consumerId}` });

let handler: ReturnType<typeof makeHandler>;
beforeEach(async () => {
  const { db, tableName } = await freshTable('watches-api');
  handler = makeHandler({ watches: new DynamoWatchStore(db, tableName), clock: () => new Date() });
});

const post = (body: unknown, consumer = 'team-a') =>
  callHandler(handler, { method: 'POST', path: '/api/v1/watches', body, authorizer: as(consumer) });
const one = (method: string, id: string, consumer = 'team-a') =>
  callHandler(handler, { method, path: `/api/v1/watches/${id}`, routePath: '/api/v1/watches/{id}', pathParameters: { id }, authorizer: as(consumer) });

describe('watch routes', () => {
  it.each([
    [{ max_price: 0 }, 'max_price'],
    [{ max_price: 1, action: 'buy' }, 'action'],
    [{ max_price: 1, action: 'create' }, 'session'],
    [{ max_price: 1, action: 'create', session: { workload_type: 'llm', reservation_hours: 1 } }, 'session.ssh_public_key'],
    [{ max_price: 1, filters: { min_vram: -1 } }, 'filters.min_vram'],
    [{ max_price: 1, expires_in_hours: 500 }, 'expires_in_hours'],
  ])('refuses invalid input with a 400 naming the field (%#)', async (body, field) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'validation_error', field });
  });

  it('creates for the key’s consumer, shows it only to that consumer, cancels it once', async () => {
    const created = await post({ filters: { gpu_type: 'RTX 4090' }, max_price: 0.35, action: 'create', session: { workload_type: 'llm', reservation_hours: 2, ssh_public_key: KEY } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ consumer_id: 'team-a', status: 'active', action: 'create', max_price: 0.35, checks: 0 });
    expect(JSON.stringify(created.body)).not.toContain('AAAAC3Nza');
    const id = String(created.body['id']);
    expect((await one('GET', id)).status).toBe(200);
    expect((await one('GET', id, 'team-b')).status).toBe(404);
    expect((await post({ consumer_id: 'team-b', max_price: 1 })).status).toBe(403);
    const list = await callHandler(handler, { path: '/api/v1/watches', authorizer: as('team-a') });
    expect(list.body).toMatchObject({ count: 1 });
    expect((await callHandler(handler, { path: '/api/v1/watches', authorizer: as('team-b') })).body).toMatchObject({ count: 0 });
    expect((await one('DELETE', id, 'team-b')).status).toBe(404);
    expect((await one('DELETE', id)).body).toMatchObject({ status: 'cancelled' });
    expect((await one('DELETE', id)).body).toMatchObject({ status: 'cancelled' });
    expect((await one('GET', 'not-an-id')).status).toBe(400);
  });
});
