// API keys at the unit level: the key format and hashing, the key store on DynamoDB Local, the Lambda authorizer's
// answers (simple responses; "Unauthorized" for every refusal), and the local stand-in for API Gateway's side of it
// (identity source check, answer cache).
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHandler } from '../../shared/http/routes/authorizer.ts';
import { apiGatewayEvent } from '../../local/api-gateway-event.ts';
import { LocalLambdaAuthorizer } from '../../local/lambda-authorizer.ts';
import { DynamoApiKeyStore } from '../../shared/adapters/dynamodb/api-key-store.ts';
import { bearerToken, hashApiKey, mintApiKey, parseApiKey } from '../../shared/domain/api-key.ts';
import { METRIC } from '../../shared/observability/metric-names.ts';
import { redactSecrets } from '../../shared/observability/redact.ts';
import type { ApiKeyStore } from '../../shared/ports/api-keys.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../../shared/use-cases/keys/manage-keys.ts';
import { lambdaContext } from '../support/http.ts';
import { RecordingMetricsSink } from '../support/recording-metrics.ts';
import { freshTable } from '../support/table.ts';

describe('the API key format', () => {
  it('mints high-entropy keys whose id is their public prefix, and stores only a SHA-256', () => {
    const a = mintApiKey();
    const b = mintApiKey();
    expect(a.key).toMatch(/^gsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(a.key).not.toBe(b.key);
    expect(a.prefix).toBe(`gsk_${a.key_id}`);
    expect(a.key.startsWith(`${a.prefix}_`)).toBe(true);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).not.toContain(a.key.slice(17));
  });

  it('reads the key from a Bearer header and nothing else', () => {
    const { key, key_id } = mintApiKey();
    expect(bearerToken(`Bearer ${key}`)).toBe(key);
    expect(bearerToken(`bearer   ${key} `)).toBe(key);
    expect(bearerToken(key)).toBeUndefined();
    expect(bearerToken(`Basic ${key}`)).toBeUndefined();
    expect(bearerToken(`Bearer ${key} extra`)).toBeUndefined();
    expect(bearerToken(`Bearer ${'x'.repeat(600)}`)).toBeUndefined();
    expect(parseApiKey(key)).toEqual({ key_id });
    expect(parseApiKey(`${key}x`)).toBeUndefined();
    expect(parseApiKey(key.toUpperCase())).toBeUndefined();
  });

  it('redacts the secret part of a key in any text, keeping its id', () => {
    const { key, prefix } = mintApiKey();
    const text = redactSecrets(`rejected ${key} (${prefix})`);
    expect(text).not.toContain(key.slice(prefix.length + 1));
    expect(text).toContain(`${prefix}_[REDACTED]`);
  });
});

describe('the Lambda authorizer', () => {
  let keys: ApiKeyStore;
  let metrics: RecordingMetricsSink;
  let handler: ReturnType<typeof makeHandler>;
  const clock = () => new Date('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    const { db, tableName } = await freshTable('auth');
    keys = new DynamoApiKeyStore(db, tableName);
    metrics = new RecordingMetricsSink();
    handler = makeHandler({ keys, metrics });
  });

  const event = (authorization?: string): APIGatewayRequestAuthorizerEventV2 =>
    ({
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:us-east-1:1:api/$default/GET/api/v1/sessions',
      identitySource: authorization === undefined ? [] : [authorization],
      routeKey: 'GET /api/v1/sessions',
      rawPath: '/api/v1/sessions',
      rawQueryString: '',
      cookies: [],
      headers: authorization === undefined ? {} : { authorization },
      requestContext: {} as never,
    }) as APIGatewayRequestAuthorizerEventV2;
  const authorize = (authorization?: string) => handler(event(authorization), lambdaContext);

  it("answers a consumer key with its consumer and an admin key with admin, in the context API Gateway passes on", async () => {
    const consumer = await createApiKey({ keys, clock }, { consumer_id: 'team-a', label: 'ci' });
    const admin = await createApiKey({ keys, clock }, { admin: true });
    expect(await authorize(`Bearer ${consumer.api_key}`)).toEqual({
      isAuthorized: true,
      context: { keyId: consumer.key.key_id, consumerId: 'team-a', admin: false },
    });
    expect(await authorize(`Bearer ${admin.api_key}`)).toEqual({
      isAuthorized: true,
      context: { keyId: admin.key.key_id, consumerId: '', admin: true },
    });
  });

  it.each([
    ['missing', undefined],
    ['missing', '  '],
    ['malformed', 'Bearer not-a-key'],
    ['malformed', 'Basic dXNlcjpwYXNz'],
    ['unknown', `Bearer ${mintApiKey().key}`],
  ])('refuses a %s key with exactly "Unauthorized" (API Gateway answers 401) (%#)', async (reason, header) => {
    const before = metrics.count(METRIC.ApiKeysRejected, { reason });
    await expect(authorize(header)).rejects.toThrow(/^Unauthorized$/);
    expect(metrics.count(METRIC.ApiKeysRejected, { reason })).toBe(before + 1);
  });

  it('refuses a known key id with the wrong secret, and a revoked key', async () => {
    const created = await createApiKey({ keys, clock }, { consumer_id: 'team-b' });
    const forged = `${created.key.prefix}_${mintApiKey().key.split('_')[2]}`;
    await expect(authorize(`Bearer ${forged}`)).rejects.toThrow(/^Unauthorized$/);
    expect((await authorize(`Bearer ${created.api_key}`)).isAuthorized).toBe(true);
    const revoked = await revokeApiKey({ keys, clock }, created.key.key_id);
    expect(revoked.revoked_at).toBe(clock().toISOString());
    await expect(authorize(`Bearer ${created.api_key}`)).rejects.toThrow(/^Unauthorized$/);
    expect(metrics.count(METRIC.ApiKeysRejected, { reason: 'revoked' })).toBeGreaterThanOrEqual(1);
  });

  it('refuses a stored consumer key that names no consumer instead of letting it act for everyone', async () => {
    const minted = mintApiKey();
    await keys.create({ key_id: minted.key_id, prefix: minted.prefix, hash: minted.hash, admin: false, created_at: clock().toISOString() });
    await expect(authorize(`Bearer ${minted.key}`)).rejects.toThrow(/^Unauthorized$/);
  });

  it('fails (a 500 at API Gateway, never an allow) when the key store fails, and counts it', async () => {
    const broken = makeHandler({
      keys: { ...keys, get: async () => Promise.reject(new Error('ProvisionedThroughputExceededException')) } as ApiKeyStore,
      metrics,
    });
    await expect(broken(event(`Bearer ${mintApiKey().key}`), lambdaContext)).rejects.toThrow(/^authorizer failed$/);
    expect(metrics.count(METRIC.AuthorizerErrors)).toBe(1);
  });

  it('keys are created for one consumer or as admin, listed without hashes, and revoked once', async () => {
    await expect(createApiKey({ keys, clock }, {})).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(createApiKey({ keys, clock }, { admin: true, consumer_id: 'x' })).rejects.toMatchObject({ name: 'ValidationError' });
    const { key } = await createApiKey({ keys, clock }, { consumer_id: 'team-c' });
    const listed = await listApiKeys({ keys, clock }, { consumer_id: 'team-c' });
    expect(listed).toEqual([key]);
    expect(JSON.stringify(listed)).not.toMatch(/hash|[0-9a-f]{64}/);
    const later = () => new Date('2026-03-02T00:00:00Z');
    const first = await revokeApiKey({ keys, clock }, key.key_id);
    const again = await revokeApiKey({ keys, clock: later }, key.key_id);
    expect(again.revoked_at).toBe(first.revoked_at);
    expect(await listApiKeys({ keys, clock }, { consumer_id: 'team-c', include_revoked: false })).toEqual([]);
    await expect(revokeApiKey({ keys, clock }, '000000000000')).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});

describe("the local gateway's side of the authorizer", () => {
  const request = (headers: Record<string, string>): APIGatewayProxyEventV2 =>
    apiGatewayEvent({
      method: 'GET',
      url: new URL('http://local/api/v1/sessions'),
      headers,
      body: '',
      routeKey: 'GET /api/v1/sessions',
      sourceIp: '127.0.0.1',
    });

  function gateway(answer: (event: APIGatewayRequestAuthorizerEventV2) => Promise<unknown>, cacheSeconds = 60) {
    let now = 0;
    const calls: APIGatewayRequestAuthorizerEventV2[] = [];
    const authorizer = new LocalLambdaAuthorizer({
      lambdas: {
        invoke: async <T>(_id: string, event: unknown) => {
          calls.push(event as APIGatewayRequestAuthorizerEventV2);
          return (await answer(event as APIGatewayRequestAuthorizerEventV2)) as T;
        },
      },
      functionId: 'ApiAuthorizer',
      identityHeader: 'authorization',
      cacheSeconds,
      now: () => now,
    });
    return { authorizer, calls, advance: (s: number) => (now += s * 1000) };
  }

  it('answers 401 without invoking the function when the identity header is missing or empty', async () => {
    const g = gateway(async () => ({ isAuthorized: true, context: {} }));
    expect(await g.authorizer.authorize(request({}))).toEqual({ allow: false, status: 401, message: 'Unauthorized' });
    expect(await g.authorizer.authorize(request({ authorization: '' }))).toMatchObject({ status: 401 });
    expect(g.calls).toHaveLength(0);
  });

  it('sends the payload 2.0 authorizer event and caches an allow per header value for the TTL', async () => {
    const g = gateway(async () => ({ isAuthorized: true, context: { consumerId: 'a' } }), 30);
    const a = request({ authorization: 'Bearer a' });
    expect(await g.authorizer.authorize(a)).toEqual({ allow: true, context: { consumerId: 'a' } });
    await g.authorizer.authorize(a);
    expect(g.calls).toHaveLength(1);
    expect(g.calls[0]).toMatchObject({ type: 'REQUEST', version: '2.0', identitySource: ['Bearer a'], routeKey: 'GET /api/v1/sessions' });
    await g.authorizer.authorize(request({ authorization: 'Bearer b' }));
    expect(g.calls).toHaveLength(2);
    g.advance(31);
    await g.authorizer.authorize(a);
    expect(g.calls).toHaveLength(3);
  });

  it('maps a thrown "Unauthorized" to 401 (not cached), a deny to 403, anything else to 500', async () => {
    const unauthorized = gateway(async () => {
      throw new Error('Unauthorized');
    });
    const r = request({ authorization: 'Bearer x' });
    expect(await unauthorized.authorizer.authorize(r)).toEqual({ allow: false, status: 401, message: 'Unauthorized' });
    await unauthorized.authorizer.authorize(r);
    expect(unauthorized.calls).toHaveLength(2);
    expect(await gateway(async () => ({ isAuthorized: false })).authorizer.authorize(r)).toMatchObject({ status: 403 });
    expect(await gateway(async () => ({ nonsense: 1 })).authorizer.authorize(r)).toMatchObject({ status: 500 });
    const failing = gateway(async () => {
      throw new Error('boom');
    });
    expect(await failing.authorizer.authorize(r)).toMatchObject({ status: 500 });
  });

  it('with a TTL of 0 asks the function every time', async () => {
    const g = gateway(async () => ({ isAuthorized: true, context: {} }), 0);
    const r = request({ authorization: 'Bearer a' });
    await g.authorizer.authorize(r);
    await g.authorizer.authorize(r);
    expect(g.calls).toHaveLength(2);
  });
});
