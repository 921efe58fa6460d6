// API keys end to end on the local runtime with AUTH_MODE=api-key: the real authorizer handler behind the local API
// gateway, the first admin key minted by `npm run ops`, consumer keys made through the admin routes, ownership
// between consumers, and every answer checked against the served OpenAPI document.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../local/sim/scenario.ts';
import { routes } from '../../shared/app-model.ts';
import { mintApiKey } from '../../shared/domain/api-key.ts';
import { namedSchemas } from '../../shared/http/api-spec.ts';
import { type Answer, documentedSchema, routeOf, validateJson } from '../support/openapi-check.ts';
import { type Harness, startHarness } from '../support/runtime-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

const scenario: ScenarioInput = {
  vastai: {
    defaults: { boot_seconds: 1, ssh: 'ok' },
    offers: [{ gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US', count: 4 }],
  },
};

let h: Harness;
let adminKey: string;
const keys: Record<string, { key: string; id: string }> = {};
const answers: Answer[] = [];

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Calls the API like a client and records the answer for the OpenAPI check at the end. */
async function call(method: string, p: string, key?: string, body?: unknown) {
  const res = await h.api<Record<string, unknown>>(method, p, body, key ? bearer(key) : {});
  answers.push({ method, path: p, status: res.status, body: res.body });
  return res;
}

async function mintWithOps(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    path.join(ROOT, 'node_modules/.bin/tsx'),
    ['bin/ops.ts', 'keys', 'create', ...args, '--table', h.runtime.tableName, '--endpoint', h.runtime.dynamoDbEndpoint],
    { cwd: ROOT, env: { ...process.env, AWS_REGION: 'local' }, timeout: 60_000 },
  );
  return stdout.trim();
}

beforeAll(async () => {
  h = await startHarness(scenario, { AUTH_MODE: 'api-key', AUTH_CACHE_SECONDS: '0' });
  adminKey = await mintWithOps(['--admin', '--label', 'bootstrap']);
  for (const consumer of ['team-a', 'team-b']) {
    const res = await call('POST', '/api/v1/keys', adminKey, { consumer_id: consumer, label: `${consumer} ci` });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    keys[consumer] = { key: String(res.body['api_key']), id: String((res.body['key'] as { key_id: string }).key_id) };
  }
});

afterAll(async () => {
  await h?.stop();
});

/** A concrete path for every app-model route (ids that name nothing). */
function concrete(p: string): string {
  return p
    .replace('{id}', p.includes('/keys/') ? '0123456789ab' : '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f')
    .replace('{consumer_id}', 'team-a');
}

describe('with API keys on (AUTH_MODE=api-key)', () => {
  it('the ops command mints an admin key that works, printing only the key', async () => {
    expect(adminKey).toMatch(/^gsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const list = await call('GET', '/api/v1/keys', adminKey);
    expect(list.status).toBe(200);
    const listed = list.body['keys'] as Record<string, unknown>[];
    expect(listed.find((k) => k['admin'] === true)).toMatchObject({ label: 'bootstrap', prefix: adminKey.slice(0, 16) });
    expect(JSON.stringify(list.body)).not.toContain(adminKey.slice(17));
    expect(JSON.stringify(list.body)).not.toMatch(/"hash"/);
  });

  it('answers 401 to every route marked auth without a key, and serves public routes without one', async () => {
    for (const route of routes) {
      const res = await call(route.method, concrete(route.path), undefined, route.method === 'GET' ? undefined : {});
      if (route.auth) expect(res, `${route.method} ${route.path}`).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
      else expect(res.status, `${route.method} ${route.path}`).toBeLessThan(300);
    }
  });

  it.each([
    ['a malformed key', 'not-a-key'],
    ['an unknown key', mintApiKey().key],
    ['another scheme', 'Basic dGVhbS1hOnNlY3JldA=='],
  ])('answers 401 to %s', async (_name, key) => {
    const res = await h.api('GET', '/api/v1/sessions', undefined, { authorization: key.startsWith('Basic') ? key : `Bearer ${key}` });
    expect(res).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
  });

  it('a revoked key answers 401 from then on; revoking is admin-only', async () => {
    const created = await call('POST', '/api/v1/keys', adminKey, { consumer_id: 'team-c' });
    const key = String(created.body['api_key']);
    const id = String((created.body['key'] as { key_id: string }).key_id);
    expect((await call('GET', '/api/v1/sessions', key)).status).toBe(200);
    expect((await call('DELETE', `/api/v1/keys/${id}`, keys['team-a']!.key)).status).toBe(403);
    const revoked = await call('DELETE', `/api/v1/keys/${id}`, adminKey);
    expect(revoked.status).toBe(200);
    expect(typeof revoked.body['revoked_at']).toBe('string');
    expect(await call('GET', '/api/v1/sessions', key)).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
    expect((await call('DELETE', '/api/v1/keys/0123456789ab', adminKey)).status).toBe(404);
    expect((await call('DELETE', '/api/v1/keys/..%2F..%2Fetc', adminKey)).status).toBe(404);
  });

  it('consumer keys cannot manage keys or budgets', async () => {
    const a = keys['team-a']!.key;
    expect((await call('POST', '/api/v1/keys', a, { admin: true })).status).toBe(403);
    expect((await call('GET', '/api/v1/keys', a)).status).toBe(403);
    expect((await call('PUT', '/api/v1/budgets/team-a', a, { monthly_limit_usd: 1_000_000 })).status).toBe(403);
    expect((await call('DELETE', '/api/v1/budgets/team-a', a)).status).toBe(403);
    expect((await call('PUT', '/api/v1/budgets/team-a', adminKey, { monthly_limit_usd: 50 })).status).toBe(200);
    // below a cent (5e-324 is past DynamoDB's range, found by the fuzz test as a 500): a 400 naming the field
    const tiny = await call('PUT', '/api/v1/budgets/team-a', adminKey, { monthly_limit_usd: 5e-324 });
    expect(tiny.status).toBe(400);
    expect(tiny.body).toMatchObject({ error_type: 'validation_error', field: 'monthly_limit_usd' });
    expect((await call('GET', '/api/v1/budgets/team-a', a)).status).toBe(200);
    expect((await call('GET', '/api/v1/budgets/team-a', keys['team-b']!.key)).status).toBe(403);
  });

  it("consumer B can neither read, end nor extend consumer A's session, nor see A's costs; an admin key can", async () => {
    const a = keys['team-a']!.key;
    const b = keys['team-b']!.key;
    const offers = await call('GET', '/api/v1/inventory?gpu_type=RTX%205060%20Ti', a);
    const offerId = (offers.body['offers'] as { id: string }[])[0]!.id;

    // a consumer key acts for its own consumer: consumer_id may be omitted, and another one is refused
    expect((await call('POST', '/api/v1/sessions', b, { consumer_id: 'team-a', offer_id: offerId, workload_type: 'llm', reservation_hours: 1 })).status).toBe(403);
    const created = await call('POST', '/api/v1/sessions', a, { offer_id: offerId, workload_type: 'llm', reservation_hours: 1 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const session = created.body['session'] as { id: string; consumer_id: string };
    expect(session.consumer_id).toBe('team-a');
    const id = session.id;
    expect((await h.waitFor(id, ['running', 'failed'], 60_000, bearer(a)))['status']).toBe('running');

    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['GET', '/events', undefined],
      ['GET', '/diagnostics', undefined],
      ['POST', '/extend', { additional_hours: 1 }],
      ['POST', '/done', undefined],
      ['DELETE', '', undefined],
    ] as const) {
      const res = await call(method, `/api/v1/sessions/${id}${suffix}`, b, body);
      expect(res.status, `${method} ${suffix}`).toBe(404);
      expect(res.body['error_type']).toBe('not_found');
    }
    expect((await call('GET', `/api/v1/costs?session_id=${id}`, b)).status).toBe(404);
    expect((await call('GET', '/api/v1/costs?consumer_id=team-a', b)).status).toBe(403);
    expect((await call('GET', '/api/v1/costs/summary?consumer_id=team-a', b)).status).toBe(403);
    expect((await call('GET', '/api/v1/sessions?consumer_id=team-a', b)).status).toBe(403);
    const bList = await call('GET', '/api/v1/sessions', b);
    expect((bList.body['sessions'] as { id: string }[]).map((s) => s.id)).not.toContain(id);
    // the session is untouched by B's attempts
    expect((await call('GET', `/api/v1/sessions/${id}`, a)).body['status']).toBe('running');

    // the owner sees it all
    expect((await call('GET', `/api/v1/sessions/${id}/events`, a)).status).toBe(200);
    expect((await call('GET', `/api/v1/sessions/${id}/diagnostics`, a)).status).toBe(200);
    expect((await call('GET', `/api/v1/costs?session_id=${id}`, a)).status).toBe(200);
    expect((await call('GET', '/api/v1/costs/summary', a)).body['consumer_id']).toBe('team-a');
    expect((await call('POST', `/api/v1/sessions/${id}/extend`, a, { additional_hours: 1 })).status).toBe(200);

    // an admin key sees and ends any consumer's session
    expect((await call('GET', `/api/v1/sessions/${id}`, adminKey)).status).toBe(200);
    expect((await call('GET', `/api/v1/costs?session_id=${id}`, adminKey)).status).toBe(200);
    expect((await call('GET', '/api/v1/costs?consumer_id=team-a', adminKey)).status).toBe(200);
    const all = await call('GET', '/api/v1/sessions', adminKey);
    expect((all.body['sessions'] as { id: string }[]).map((s) => s.id)).toContain(id);
    expect((await call('DELETE', `/api/v1/sessions/${id}`, adminKey)).status).toBe(202);
    expect((await h.waitFor(id, ['stopped', 'failed'], 60_000, bearer(a)))['status']).toBe('stopped');
    await call('GET', `/api/v1/sessions/${id}`, a);
    await call('POST', `/api/v1/sessions/${id}/done`, a);
  });

  it('refuses a listing cursor crafted for another consumer with a 400, not a 500', async () => {
    const foreign = Buffer.from(
      JSON.stringify({ pk: 'SESSION#6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f', sk: 'SESSION', gsi1pk: 'CONSUMER#team-a', gsi1sk: 'x' }),
    ).toString('base64url');
    const res = await call('GET', `/api/v1/sessions?cursor=${foreign}`, keys['team-b']!.key);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'validation_error', field: 'cursor' });
    const junk = Buffer.from(JSON.stringify({ a: 1 })).toString('base64url');
    expect((await call('GET', `/api/v1/sessions?cursor=${junk}`, adminKey)).status).toBe(400);
  });
});

describe('the OpenAPI document', () => {
  let doc: Record<string, unknown>;

  beforeAll(async () => {
    const res = await call('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });

  it('is OpenAPI 3.1 with every app-model route, the bearer scheme on exactly the routes marked auth', () => {
    expect(doc['openapi']).toBe('3.1.0');
    const paths = doc['paths'] as Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown> }>>;
    const documented = Object.entries(paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    const schemes = (doc['components'] as { securitySchemes: Record<string, unknown> }).securitySchemes;
    expect(schemes['apiKey']).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const route of routes) {
      const op = paths[route.path]![route.method.toLowerCase()]!;
      expect(op.security, route.path).toEqual(route.auth ? [{ apiKey: [] }] : []);
      if (route.auth) expect(Object.keys(op.responses)).toContain('401');
    }
  });

  it('holds each zod schema as a component, so answers can be checked against it', () => {
    const schemas = (doc['components'] as { schemas: Record<string, unknown> }).schemas;
    expect(Object.keys(schemas).sort()).toEqual(Object.keys(namedSchemas).sort());
    const session = schemas['Session'] as { required: string[]; properties: Record<string, { enum?: string[] }> };
    expect(session.required).toEqual(expect.arrayContaining(['id', 'status', 'consumer_id', 'created_at', 'expires_at']));
    expect(session.properties['status']!.enum).toEqual(['pending', 'provisioning', 'running', 'stopping', 'stopped', 'failed']);
  });

  it('the validator used below catches a wrong answer', () => {
    const wrong = { method: 'GET', path: '/api/v1/sessions/x', status: 200, body: { id: 5, status: 'RUNNING' } };
    expect(validateJson(doc, documentedSchema(doc, wrong)!, wrong.body).length).toBeGreaterThan(2);
  });

  it('every answer of this file matches what the document promises for its route and status', () => {
    const seen = new Set<string>();
    expect(answers.length).toBeGreaterThan(50);
    for (const answer of answers) {
      const route = routeOf(answer.method, answer.path);
      const schema = documentedSchema(doc, answer);
      expect(schema, `${answer.method} ${answer.path} → ${answer.status} is not documented`).toBeDefined();
      const errors = validateJson(doc, schema!, answer.body);
      expect(errors, `${answer.method} ${answer.path} → ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`).toEqual([]);
      seen.add(`${route!.key} ${answer.status}`);
    }
    // success answers of the main routes were among them
    for (const key of ['POST /api/v1/sessions 201', 'GET /api/v1/sessions/{id} 200', 'DELETE /api/v1/sessions/{id} 202', 'POST /api/v1/keys 201']) {
      expect(seen).toContain(key);
    }
  });
});
