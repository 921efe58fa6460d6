// End to end against the local runtime and the simulated marketplaces: a session that fails its first attempt
// (silent host), is refunded, retries, runs and is stopped. Every change reaches a real HTTP receiver on 127.0.0.1
// through the local bus, its queue and the dispatcher function, signed with the secret registration showed once;
// a receiver answering 500 gets retries on the (locally shrunk) backoff, then success, all visible in /deliveries.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../local/sim/scenario.ts';
import { verifySignature } from '../../shared/domain/webhook-signature.ts';
import { type Harness, startHarness } from '../support/runtime-harness.ts';

const scenario: ScenarioInput = {
  vastai: {
    defaults: { boot_seconds: 1, ssh: 'ok' },
    hosts: { silent: { ssh: 'never' } },
    offers: [
      { gpu: 'RTX 3090', vram_gb: 24, price: 0.06, location: 'Quebec, CA', host: 'silent' },
      { gpu: 'RTX 3090', vram_gb: 24, price: 0.07, location: 'Ohio, US' },
    ],
  },
};

interface Delivery {
  path: string;
  body: string;
  signature: string;
}

let h: Harness;
let receiver: Server;
let base = '';
const got: Delivery[] = [];
const flakyAnswers = [500, 500];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      got.push({ path: req.url ?? '', body, signature: String(req.headers['gpushopper-signature'] ?? '') });
      const status = req.url === '/flaky' ? (flakyAnswers.shift() ?? 200) : 204;
      res.writeHead(status);
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // 30 s → 0.6 s: the backoff's shape, in test time
  h = await startHarness(scenario, { POWERTOOLS_METRICS_DISABLED: 'true', WEBHOOK_BACKOFF_SCALE: '0.02' });
});

afterAll(async () => {
  await h?.stop();
  await new Promise<void>((r) => receiver.close(() => r()));
});

async function until<T>(what: string, read: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('session events to signed webhooks', () => {
  it('delivers every status change, the failed attempt, its refund and the retry, signed; retries a 500 until it succeeds', async () => {
    const consumer = 'webhook-e2e';
    const all = await h.api<{ webhook: { id: string }; secret: string }>('POST', '/api/v1/webhooks', {
      consumer_id: consumer,
      url: `${base}/all`,
      events: ['session.status_changed', 'session.attempt_failed', 'session.refunded', 'session.retrying'],
    });
    expect(all.status, JSON.stringify(all.body)).toBe(201);
    const flaky = await h.api<{ webhook: { id: string }; secret: string }>('POST', '/api/v1/webhooks', {
      consumer_id: consumer,
      url: `${base}/flaky`,
      events: ['session.status_changed'],
    });
    expect(flaky.status).toBe(201);
    // another consumer's webhook hears nothing of this session
    await h.api('POST', '/api/v1/webhooks', { consumer_id: 'someone-else', url: `${base}/other`, events: ['session.status_changed'] });

    const created = await h.api<{ session: { id: string }; ssh_private_key: string }>('POST', '/api/v1/sessions', {
      consumer_id: consumer,
      offer_id: await h.offerId('RTX 3090', 'vastai', 0),
      workload_type: 'llm',
      reservation_hours: 1,
      auto_retry: true,
      max_retries: 1,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.session.id;
    await h.waitFor(id, ['running', 'failed'], 90_000);
    expect((await h.api('DELETE', `/api/v1/sessions/${id}`)).status).toBe(202);
    await h.waitFor(id, ['stopped'], 60_000);

    const statusesAt = (path: string) =>
      got
        .filter((d) => d.path === path)
        .map((d) => JSON.parse(d.body) as { id: string; type: string; session_id: string; detail: Record<string, unknown> })
        .filter((e) => e.type === 'session.status_changed')
        .map((e) => String(e.detail['status']));
    const lifecycle = ['pending', 'provisioning', 'running', 'stopping', 'stopped'];
    await until('every status at /all', () => statusesAt('/all'), (s) => lifecycle.every((x) => s.includes(x)));
    const typesAtAll = () => got.filter((d) => d.path === '/all').map((d) => JSON.parse(d.body).type as string);
    await until('attempt events at /all', typesAtAll, (t) =>
      ['session.attempt_failed', 'session.refunded', 'session.retrying'].every((x) => t.includes(x)),
    );

    for (const d of got.filter((x) => x.path === '/all')) {
      expect(verifySignature(d.signature, all.body.secret, d.body)).toEqual({ valid: true });
      // not with the other webhook's secret
      expect(verifySignature(d.signature, flaky.body.secret, d.body).valid).toBe(false);
      const e = JSON.parse(d.body) as { consumer_id: string; session_id: string; detail: Record<string, unknown> };
      expect(e).toMatchObject({ consumer_id: consumer, session_id: id });
      expect(d.body).not.toContain('PRIVATE KEY');
      expect(d.body).not.toContain(created.body.ssh_private_key.slice(40, 80));
    }
    // event ids are unique per change: a consumer can dedupe on them
    const allIds = got.filter((d) => d.path === '/all').map((d) => JSON.parse(d.body).id as string);
    expect(new Set(allIds).size).toBe(allIds.length);
    expect(got.some((d) => d.path === '/other')).toBe(false);

    // the flaky receiver: two 500s, retried on the backoff, every status change delivered in the end
    await until('every status at /flaky', () => statusesAt('/flaky'), (s) => lifecycle.every((x) => s.includes(x)), 45_000);
    const deliveries = await until(
      'flaky deliveries recorded delivered',
      async () =>
        (await h.api<{ deliveries: Record<string, unknown>[] }>('GET', `/api/v1/webhooks/${flaky.body.webhook.id}/deliveries`)).body
          .deliveries,
      (ds) => ds.length >= lifecycle.length && ds.every((d) => d['status'] === 'delivered'),
    );
    const retried = deliveries.filter((d) => Number(d['attempts']) > 1);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    expect(retried.every((d) => d['last_status_code'] === 200)).toBe(true);
    expect(deliveries.reduce((n, d) => n + Number(d['attempts']), 0)).toBe(deliveries.length + 2);
    expect(h.runtime.events.deadLetters).toEqual([]);
  }, 180_000);
});
