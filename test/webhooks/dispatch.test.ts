// Dispatching one event over real HTTP to a receiver on 127.0.0.1: signed, recorded, retried on a schedule, dead-
// lettered after the day, never sent where the SSRF guard refuses (deployed: loopback too), redirects not followed.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/events/dispatch-webhooks.ts';
import { DynamoDeliveryLog } from '../../shared/adapters/dynamodb/delivery-log.ts';
import { DynamoWebhookStore } from '../../shared/adapters/dynamodb/webhook-store.ts';
import { HttpWebhookSender } from '../../shared/adapters/http/webhook-sender.ts';
import { verifySignature } from '../../shared/domain/webhook-signature.ts';
import type { ConsumerEvent } from '../../shared/ports/consumer-events.ts';
import { type DispatchDeps, dispatchEvent } from '../../shared/use-cases/webhooks/dispatch-event.ts';
import { registerWebhook } from '../../shared/use-cases/webhooks/manage-webhooks.ts';
import { fakeCipher } from '../fakes/fake-cipher.ts';
import { lambdaContext } from '../support/http.ts';
import { RecordingMetricsSink } from '../support/recording-metrics.ts';
import { freshTable } from '../support/table.ts';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
const received: Received[] = [];
/** status the receiver answers next, per path */
const answers = new Map<string, number[]>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const queue = answers.get(req.url ?? '') ?? [];
      const status = queue.shift() ?? 200;
      if (status === 302) res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      else res.writeHead(status);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let now = new Date('2026-01-01T00:00:00Z');
async function setup(allowLoopback = true) {
  const { db, tableName } = await freshTable('disp');
  const metrics = new RecordingMetricsSink();
  const deps: DispatchDeps = {
    webhooks: new DynamoWebhookStore(db, tableName),
    deliveries: new DynamoDeliveryLog(db, tableName),
    cipher: fakeCipher,
    sender: new HttpWebhookSender({ allowLoopback }),
    metrics,
    clock: () => now,
    backoffScale: 1,
    timeoutMs: 2000,
  };
  return { deps, metrics };
}

const event = (n: number, consumer = 'acme'): ConsumerEvent => ({
  id: `s1.v${n}.status_changed`,
  type: 'session.status_changed',
  consumer_id: consumer,
  session_id: 's1',
  at: '2026-01-01T00:00:00.000Z',
  detail: { id: 's1', status: 'running' },
});

describe('dispatchEvent over real HTTP', () => {
  it('POSTs the signed event to subscribed webhooks only, and records the delivery', async () => {
    const { deps, metrics } = await setup();
    const wh = await registerWebhook({ ...deps, clock: () => now, local: true }, { consumer_id: 'acme', url: `${base}/ok`, events: ['session.status_changed'] });
    await registerWebhook({ ...deps, clock: () => now, local: true }, { consumer_id: 'acme', url: `${base}/budget`, events: ['budget.threshold'] });
    await registerWebhook({ ...deps, clock: () => now, local: true }, { consumer_id: 'other', url: `${base}/other`, events: ['session.status_changed'] });
    received.length = 0;
    const result = await dispatchEvent(deps, event(1));
    expect(result).toEqual({ delivered: 1, deadLettered: 0 });
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(JSON.parse(got.body)).toEqual(event(1));
    expect(got.headers['gpushopper-event-id']).toBe('s1.v1.status_changed');
    expect(verifySignature(got.headers['gpushopper-signature'] as string, wh.secret, got.body, { now })).toEqual({ valid: true });
    const [d] = await deps.deliveries.list(wh.webhook.id, 10);
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, last_status_code: 200, event_id: 's1.v1.status_changed' });
    expect(metrics.count('WebhookDeliveries', { outcome: 'delivered' })).toBe(1);
    // the same event again (SQS redelivers at least once): nothing is sent twice
    await dispatchEvent(deps, event(1));
    expect(received).toHaveLength(1);
  });

  it('retries a 500 on the backoff schedule, then succeeds; a redirect is not followed', async () => {
    const { deps } = await setup();
    const wh = await registerWebhook({ ...deps, local: true }, { consumer_id: 'acme', url: `${base}/flaky`, events: ['session.status_changed'] });
    answers.set('/flaky', [500, 302]);
    received.length = 0;
    const first = await dispatchEvent(deps, event(2));
    expect(first.retryInSeconds).toBe(30);
    expect((await deps.deliveries.list(wh.webhook.id, 1))[0]).toMatchObject({ status: 'retrying', attempts: 1, last_status_code: 500, last_error: 'http_500', next_attempt_at: '2026-01-01T00:00:30.000Z' });
    // brought back early: not due, not sent
    now = new Date('2026-01-01T00:00:10Z');
    expect((await dispatchEvent(deps, event(2))).retryInSeconds).toBe(20);
    expect(received).toHaveLength(1);
    now = new Date('2026-01-01T00:00:30Z');
    expect((await dispatchEvent(deps, event(2))).retryInSeconds).toBe(120);
    expect((await deps.deliveries.list(wh.webhook.id, 1))[0]).toMatchObject({ attempts: 2, last_status_code: 302, last_error: 'redirect_not_followed' });
    now = new Date('2026-01-01T00:02:30Z');
    expect(await dispatchEvent(deps, event(2))).toEqual({ delivered: 1, deadLettered: 0 });
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => JSON.parse(r.body).id))).toEqual(new Set(['s1.v2.status_changed']));
    expect((await deps.deliveries.list(wh.webhook.id, 1))[0]).toMatchObject({ status: 'delivered', attempts: 3, last_status_code: 200 });
    now = new Date('2026-01-01T00:00:00Z');
  });

  it('dead-letters after a day of failures', async () => {
    const { deps, metrics } = await setup();
    const wh = await registerWebhook({ ...deps, local: true }, { consumer_id: 'acme', url: `${base}/down`, events: ['session.status_changed'] });
    answers.set('/down', Array(50).fill(503));
    let result = await dispatchEvent(deps, event(3));
    let steps = 1;
    while (result.retryInSeconds !== undefined) {
      now = new Date(now.getTime() + result.retryInSeconds * 1000);
      result = await dispatchEvent(deps, event(3));
      steps += 1;
    }
    expect(result.deadLettered).toBe(1);
    const [d] = await deps.deliveries.list(wh.webhook.id, 1);
    expect(d).toMatchObject({ status: 'dead_lettered', attempts: steps, last_status_code: 503 });
    expect(Date.parse(d!.dead_lettered_at!) - Date.parse(d!.first_attempt_at!)).toBeLessThanOrEqual(86_400_000);
    expect(metrics.count('WebhookDeliveries', { outcome: 'dead_lettered' })).toBe(1);
    now = new Date('2026-01-01T00:00:00Z');
  });

  it('deployed: refuses loopback (by name and by literal) without sending, and dead-letters at once', async () => {
    const { deps } = await setup(false);
    const byName = await registerWebhook({ ...deps, local: true }, { consumer_id: 'acme', url: `${base.replace('127.0.0.1', 'localhost')}/x`, events: ['session.status_changed'] });
    const byIp = await registerWebhook({ ...deps, local: true }, { consumer_id: 'acme', url: `${base}/y`, events: ['session.status_changed'] });
    received.length = 0;
    const result = await dispatchEvent(deps, event(4));
    expect(result).toEqual({ delivered: 0, deadLettered: 2 });
    expect(received).toHaveLength(0);
    expect((await deps.deliveries.list(byName.webhook.id, 1))[0]).toMatchObject({ status: 'dead_lettered', last_error: 'address_not_allowed:loopback' });
    expect((await deps.deliveries.list(byIp.webhook.id, 1))[0]).toMatchObject({ status: 'dead_lettered', last_error: 'address_not_allowed:loopback' });
  });
});

describe('the SQS dispatcher handler', () => {
  it('postpones a message whose delivery waits, reports it failed, and drops a body that is no event', async () => {
    const { deps } = await setup();
    await registerWebhook({ ...deps, local: true }, { consumer_id: 'acme', url: `${base}/later`, events: ['session.status_changed'] });
    answers.set('/later', [500]);
    const postponed: [string, number][] = [];
    const handler = makeHandler(() => ({ deps, queue: { postpone: async (h, s) => void postponed.push([h, s]) } }));
    const record = (id: string, body: string) => ({ messageId: id, receiptHandle: `rh-${id}`, body }) as SQSEvent['Records'][number];
    const out = await handler(
      { Records: [record('m1', JSON.stringify({ source: 'gpu-shopper', detail: event(5) })), record('m2', '{"detail":{}}')] },
      lambdaContext,
    );
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(postponed).toEqual([['rh-m1', 30]]);
  });
});
