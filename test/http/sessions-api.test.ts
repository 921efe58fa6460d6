// The session and cost routes through the real middy stack, against DynamoDB Local and fakes of the outside world:
// validation, error answers, idempotency, ownership, and the shapes the existing Python client parses.
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as makeCosts } from '../../shared/http/routes/costs.ts';
import { makeHandler as makeSessions } from '../../shared/http/routes/sessions.ts';
import { DynamoBudgetStore } from '../../shared/adapters/dynamodb/budget-store.ts';
import { offer } from '../fakes/fake-inventory.ts';
import { callHandler, type Call } from '../support/http.ts';
import { dynamoProvisioningHarness } from '../support/provisioning-harness.ts';

const OFFER = offer({ id: 'vastai-301', gpu_type: 'RTX 5060 Ti', price_per_hour: 0.06 });
const BODY = { consumer_id: 'gpu-deploy-llm/v0.1.0', offer_id: 'vastai-301', workload_type: 'llm_vllm', reservation_hours: 1, storage_policy: 'destroy' };

let h: Awaited<ReturnType<typeof dynamoProvisioningHarness>>;
let sessions: ReturnType<typeof makeSessions>;
let costs: ReturnType<typeof makeCosts>;

beforeEach(async () => {
  h = await dynamoProvisioningHarness({ offers: [OFFER] });
  sessions = makeSessions({ ...h.createDeps, events: h.events, workflows: h.workflows });
  costs = makeCosts({ sessions: h.sessions, costs: h.costs, budgets: new DynamoBudgetStore(h.db, h.tableName), clock: h.clock.now });
});

const call = (c: Call & { routePath: string }) => callHandler(sessions, c);
const post = (body: unknown, headers: Record<string, string> = {}) =>
  call({ method: 'POST', path: '/api/v1/sessions', routePath: '/api/v1/sessions', body, headers });
const onSession = (method: string, id: string, suffix = '', body?: unknown, authorizer?: Record<string, unknown>) =>
  call({
    method,
    path: `/api/v1/sessions/${id}${suffix}`,
    routePath: `/api/v1/sessions/{id}${suffix}`,
    pathParameters: { id },
    body,
    authorizer,
  });

describe('POST /api/v1/sessions', () => {
  it('answers 201 with the session and a one-time OpenSSH key, in the shapes the existing client parses', async () => {
    const res = await post(BODY);
    expect(res.status).toBe(201);
    const session = res.body['session'] as Record<string, unknown>;
    expect(typeof res.body['ssh_private_key']).toBe('string');
    expect(String(res.body['ssh_private_key'])).toContain('BEGIN OPENSSH PRIVATE KEY');
    for (const field of ['id', 'consumer_id', 'provider', 'gpu_type', 'offer_id', 'created_at', 'expires_at']) {
      expect(typeof session[field], field).toBe('string');
    }
    expect(session['consumer_id']).toBe('gpu-deploy-llm/v0.1.0');
    expect(['pending', 'provisioning', 'running', 'stopping', 'stopped', 'failed']).toContain(session['status']);
    expect(Number.isInteger(session['gpu_count'])).toBe(true);
    expect(typeof session['price_per_hour']).toBe('number');
    expect(session['storage_policy']).toBe('destroy');
    // readable immediately after creation, without the key
    const read = await onSession('GET', String(session['id']));
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain('PRIVATE KEY');
  });

  it.each([
    [{ ...BODY, consumer_id: undefined }, 'consumer_id'],
    [{ ...BODY, workload_type: 'mining' }, 'workload_type'],
    [{ ...BODY, reservation_hours: 0 }, 'reservation_hours'],
    [{ ...BODY, reservation_hours: 13 }, 'reservation_hours'],
    [{ ...BODY, reservation_hours: 1.5 }, 'reservation_hours'],
    [{ ...BODY, retry_scope: 'anywhere' }, 'retry_scope'],
    [{ ...BODY, max_retries: 9 }, 'max_retries'],
    [{ ...BODY, ssh_timeout_minutes: 31 }, 'ssh_timeout_minutes'],
    [{ ...BODY, storage_policy: 'preserve' }, 'storage_policy'],
    [{ ...BODY, consumer_id: 'team <script>' }, 'consumer_id'],
  ])('refuses invalid input with 400 naming the field (%#)', async (body, field) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'validation_error', field });
    expect(typeof res.body['request_id']).toBe('string');
    expect((await h.sessions.list({ limit: 5 })).sessions).toHaveLength(0);
  });

  it('refuses a body that is not a JSON object, and a malformed consumer key', async () => {
    expect((await post([1, 2])).status).toBe(400);
    expect((await post('"text"')).status).toBe(400);
    const badKey = await post({ ...BODY, ssh_public_key: 'ssh-rsa not-a-key' });
    expect(badKey.status).toBe(400);
    expect(badKey.body['error_type']).toBe('invalid_ssh_public_key');
  });

  it('400 for an offer id no provider issues; 503 stale_inventory with the offer id for one inventory lacks', async () => {
    const invalid = await post({ ...BODY, offer_id: 'offer-rtx4090-1' });
    expect(invalid.status).toBe(400);
    expect(invalid.body['error_type']).toBe('invalid_offer_id');
    // a client may render errors as HTML: the hint says what an offer id looks like without tag-like text
    expect(invalid.body['error']).toMatch(/vastai-\{ask id\}/);
    expect(invalid.body['error']).not.toMatch(/<[A-Za-z/!?]/);
    const stale = await post({ ...BODY, offer_id: 'VASTAI-999 ' });
    expect(stale.status).toBe(503);
    expect(stale.body).toMatchObject({ error_type: 'stale_inventory', offer_id: 'vastai-999', retry_suggested: true });
    expect(typeof stale.body['message']).toBe('string');
  });

  it('409 with existing_session_id for a second active session on the same offer', async () => {
    const first = await post(BODY);
    const second = await post(BODY);
    expect(second.status).toBe(409);
    expect(second.body['existing_session_id']).toBe((first.body['session'] as { id: string }).id);
  });

  it('an Idempotency-Key repeat returns the same session and key; a malformed key is refused', async () => {
    const a = await post(BODY, { 'Idempotency-Key': 'deploy-7' });
    const b = await post(BODY, { 'Idempotency-Key': 'deploy-7' });
    expect(b.status).toBe(200);
    expect((b.body['session'] as { id: string }).id).toBe((a.body['session'] as { id: string }).id);
    expect(b.body['ssh_private_key']).toBe(a.body['ssh_private_key']);
    expect(h.workflows.started).toHaveLength(1);
    const bad = await post(BODY, { 'Idempotency-Key': 'has spaces and ü' });
    expect(bad.status).toBe(400);
  });
});

describe('reading, ending and extending sessions', () => {
  const unknown = '82f03c1c-f27d-456f-9e10-6c9e8e0da1c7';

  it.each([
    ['GET', ''],
    ['GET', '/events'],
    ['GET', '/diagnostics'],
    ['DELETE', ''],
    ['POST', '/done'],
    ['POST', '/extend'],
  ])('%s %s of an unknown session is a JSON 404, never a 500', async (method, suffix) => {
    const res = await onSession(method, unknown, suffix, suffix === '/extend' ? { additional_hours: 1 } : undefined);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error_type: 'not_found' });
    expect(typeof res.body['request_id']).toBe('string');
    expect((await onSession(method, 'not-a-uuid', suffix)).status).toBe(404);
  });

  it('DELETE answers 202 with the stopping session, then 200 once it is already ending', async () => {
    const id = (await post(BODY)).body['session'] as { id: string };
    const first = await onSession('DELETE', id.id);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'stopping', session_id: id.id });
    const again = await onSession('POST', id.id, '/done');
    expect(again.status).toBe(200);
    expect(again.body['status']).toBe('stopping');
  });

  it('extend returns the full session with the new expires_at; validation and hard maximum are enforced', async () => {
    const created = (await post(BODY)).body['session'] as { id: string; expires_at: string };
    const ok = await onSession('POST', created.id, '/extend', { additional_hours: 2 });
    expect(ok.status).toBe(200);
    expect(Date.parse(String(ok.body['expires_at'])) - Date.parse(created.expires_at)).toBe(2 * 3_600_000);
    expect(ok.body['new_expires_at']).toBe(ok.body['expires_at']);
    expect(ok.body['id']).toBe(created.id);
    expect((await onSession('POST', created.id, '/extend', { additional_hours: 0 })).status).toBe(400);
    const past = await onSession('POST', created.id, '/extend', { additional_hours: 10 });
    expect(past.status).toBe(400);
    expect(past.body).toMatchObject({ error_type: 'hard_max_exceeded', max_additional_hours: 9 });
    await onSession('DELETE', created.id);
    expect((await onSession('POST', created.id, '/extend', { additional_hours: 1 })).status).toBe(409);
  });

  it('lists by exact consumer_id and status, with a cursor', async () => {
    for (const c of ['team-a', 'team-a', 'team-b']) {
      await post({ ...BODY, consumer_id: c, offer_id: 'vastai-301', workload_type: 'llm' }).then(async (r) => {
        if (r.status === 409) {
          // one active session per consumer and offer: end the first and create again
          await onSession('DELETE', String(r.body['existing_session_id']));
          await post({ ...BODY, consumer_id: c });
        }
      });
    }
    const list = await call({ path: '/api/v1/sessions?consumer_id=team-a&limit=1', routePath: '/api/v1/sessions' });
    expect(list.status).toBe(200);
    expect(list.body['count']).toBe(1);
    const cursor = String(list.body['next_cursor']);
    const next = await call({ path: `/api/v1/sessions?consumer_id=team-a&limit=5&cursor=${cursor}`, routePath: '/api/v1/sessions' });
    expect(next.body['count']).toBe(1);
    const stopping = await call({ path: '/api/v1/sessions?status=stopping', routePath: '/api/v1/sessions' });
    expect((stopping.body['sessions'] as { status: string }[]).every((s) => s.status === 'stopping')).toBe(true);
    expect((await call({ path: '/api/v1/sessions?limit=0', routePath: '/api/v1/sessions' })).status).toBe(400);
    expect((await call({ path: '/api/v1/sessions?cursor=garbage', routePath: '/api/v1/sessions' })).status).toBe(400);
  });

  it('a consumer key sees and acts on only its own sessions: others answer 404', async () => {
    const mine = (await post(BODY)).body['session'] as { id: string };
    const asOther = { consumerId: 'someone-else', admin: false };
    expect((await onSession('GET', mine.id, '', undefined, asOther)).status).toBe(404);
    expect((await onSession('DELETE', mine.id, '', undefined, asOther)).status).toBe(404);
    expect((await onSession('POST', mine.id, '/extend', { additional_hours: 1 }, asOther)).status).toBe(404);
    const asOwner = { consumerId: 'gpu-deploy-llm/v0.1.0', admin: false };
    expect((await onSession('GET', mine.id, '', undefined, asOwner)).status).toBe(200);
  });
});

describe('GET /api/v1/costs', () => {
  it('answers a session with total_cost and duration_hours, and a summary for a consumer and a period', async () => {
    const created = (await post(BODY)).body['session'] as { id: string };
    const res = await callHandler(costs, {
      path: `/api/v1/costs?session_id=${created.id}`,
      routePath: '/api/v1/costs',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ session_id: created.id, total_cost: 0, duration_hours: 0, currency: 'USD' });
    const summary = await callHandler(costs, {
      path: '/api/v1/costs?consumer_id=gpu-deploy-llm/v0.1.0&start_date=2026-11-01&end_date=2026-11-30',
      routePath: '/api/v1/costs',
    });
    expect(summary.body).toMatchObject({ total_cost: 0, duration_hours: 0, session_count: 0, refunded_total: 0 });
    const bad = await callHandler(costs, { path: '/api/v1/costs?start_date=2026-13-45', routePath: '/api/v1/costs' });
    expect(bad.status).toBe(400);
    expect(bad.body['field']).toBe('start_date');
    const unknown = await callHandler(costs, { path: '/api/v1/costs?session_id=nope', routePath: '/api/v1/costs' });
    expect(unknown.status).toBe(404);
  });
});

describe('budgets over HTTP', () => {
  it('402 names the limit, what is committed and what was asked; the summary shows spent, held and remaining', async () => {
    const consumer = 'gpu-deploy-llm/v0.1.0';
    const put = await callHandler(costs, {
      method: 'PUT',
      path: `/api/v1/budgets/${encodeURIComponent(consumer)}`,
      routePath: '/api/v1/budgets/{consumer_id}',
      pathParameters: { consumer_id: consumer },
      body: { monthly_limit_usd: 0.1 },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ monthly_limit_usd: 0.1, on_exceeded: 'block' });
    const bad = await callHandler(costs, {
      method: 'PUT',
      path: `/api/v1/budgets/${encodeURIComponent(consumer)}`,
      routePath: '/api/v1/budgets/{consumer_id}',
      pathParameters: { consumer_id: consumer },
      body: { monthly_limit_usd: 1, on_exceeded: 'explode' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error_type: 'validation_error', field: 'on_exceeded' });

    const created = await post(BODY);
    expect(created.status).toBe(201);
    const id = (created.body['session'] as { id: string }).id;
    const extended = await onSession('POST', id, '/extend', { additional_hours: 1 });
    expect(extended.status).toBe(402);
    expect(extended.body).toMatchObject({ error_type: 'budget_exceeded', limit_usd: 0.1, committed_usd: 0.06, requested_usd: 0.06 });

    const summary = await callHandler(costs, {
      path: `/api/v1/costs/summary?consumer_id=${encodeURIComponent(consumer)}`,
      routePath: '/api/v1/costs/summary',
    });
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({ spent_usd: 0, held_usd: 0.06, committed_usd: 0.06, monthly_budget_usd: 0.1, remaining_usd: 0.04 });
  });
});

describe('consumer session defaults', () => {
  const settings = (method: string, consumer: string, body?: unknown, authorizer?: Record<string, unknown>) =>
    call({
      method,
      path: `/api/v1/consumers/${consumer}/settings`,
      routePath: '/api/v1/consumers/{consumer_id}/settings',
      pathParameters: { consumer_id: consumer },
      body,
      authorizer,
    });
  const idleOf = async (body: Record<string, unknown>) => {
    const res = await post({ ...BODY, ...body });
    expect(res.status).toBe(201);
    return (res.body['session'] as { idle_stop_minutes?: number }).idle_stop_minutes;
  };

  it("applies the consumer's idle_stop_minutes to a create that names none; a create's own value or null wins", async () => {
    expect((await settings('GET', 'team-a')).body).toEqual({ consumer_id: 'team-a' });
    const put = await settings('PUT', 'team-a', { idle_stop_minutes: 30 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ consumer_id: 'team-a', idle_stop_minutes: 30 });
    expect((await settings('GET', 'team-a')).body).toMatchObject({ idle_stop_minutes: 30 });
    await settings('PUT', 'team-b', { idle_stop_minutes: 45 });
    await settings('PUT', 'team-c', { idle_stop_minutes: 45 });

    expect(await idleOf({ consumer_id: 'team-a' })).toBe(30);
    expect(await idleOf({ consumer_id: 'team-b', idle_stop_minutes: 15 })).toBe(15);
    expect(await idleOf({ consumer_id: 'team-c', idle_stop_minutes: null })).toBeUndefined();
    expect(await idleOf({ consumer_id: 'team-d' })).toBeUndefined();

    // null removes the default again
    expect((await settings('PUT', 'team-a', { idle_stop_minutes: null })).body).not.toHaveProperty('idle_stop_minutes');
    expect((await settings('GET', 'team-a')).body).not.toHaveProperty('idle_stop_minutes');
  });

  it("a consumer key sets its own defaults only; bad values answer 400 and change nothing", async () => {
    const asTeam = { consumerId: 'team-a', admin: false };
    expect((await settings('PUT', 'team-a', { idle_stop_minutes: 20 }, asTeam)).status).toBe(200);
    const other = await settings('PUT', 'team-b', { idle_stop_minutes: 20 }, asTeam);
    expect(other.status).toBe(403);
    expect(other.body['error_type']).toBe('forbidden');
    for (const body of [{ idle_stop_minutes: 5 }, { idle_stop_minutes: 721 }, { idle_stop_minutes: '30' }, {}, { idle_stop_minutes: 30, extra: 1 }]) {
      const res = await settings('PUT', 'team-a', body, asTeam);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body['error_type']).toBe('validation_error');
    }
    expect((await settings('GET', 'team-a', undefined, asTeam)).body).toMatchObject({ idle_stop_minutes: 20 });
    expect((await settings('GET', 'team-b')).body).toEqual({ consumer_id: 'team-b' });
  });
});
