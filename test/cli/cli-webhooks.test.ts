// The CLI's webhook commands and `sessions watch` against a stub server: what they send and what they print.
import { describe, expect, it } from 'vitest';
import { cli, stub } from '../support/cli-stub.ts';

const SID = '0b6f8a62-6f0e-4c58-9a55-2d7c5b0f3a11';

describe('gpu-shopper sessions watch', () => {
  it('prints each status change, failed attempt, refund and retry once, and ends when the session does', async () => {
    const statuses = ['pending', 'provisioning', 'provisioning', 'running', 'stopping', 'stopped'];
    let poll = 0;
    const timeline = [
      { type: 'attempt_failed', at: '2026-01-01T00:00:05.000Z', attempt: 1, message: 'ssh_timeout' },
      { type: 'refund_recorded', at: '2026-01-01T00:00:06.000Z', attempt: 1 },
      { type: 'retrying', at: '2026-01-01T00:00:07.000Z', attempt: 2, offer_id: 'vastai:2' },
    ];
    const api = await stub((_m, url) => {
      if (url === `/api/v1/sessions/${SID}`) {
        const status = statuses[Math.min(poll++, statuses.length - 1)];
        return { status: 200, body: { id: SID, status } };
      }
      // the attempt's events appear from the third poll on
      return { status: 200, body: { session_id: SID, events: poll >= 3 ? timeline : [] } };
    });
    const out = await cli(['--server', api.url, '-o', 'json', 'sessions', 'watch', SID, '--poll-interval', '100']);
    expect(out.code, out.stderr).toBe(0);
    const events = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => `${e['type']}:${e['status']}`)).toEqual([
      'session.status_changed:pending',
      'session.status_changed:provisioning',
      'session.attempt_failed:provisioning',
      'session.refunded:provisioning',
      'session.retrying:provisioning',
      'session.status_changed:running',
      'session.status_changed:stopping',
      'session.status_changed:stopped',
    ]);
    expect(events[1]).toMatchObject({ previous_status: 'pending' });
    expect(events[2]).toMatchObject({ attempt: 1 });
  });
});

describe('gpu-shopper webhooks', () => {
  it('create sends url and events (all by default) and prints the secret once; deliveries shows the record', async () => {
    const api = await stub((method, url, body) => {
      if (method === 'POST' && url === '/api/v1/webhooks') {
        const b = body as { url: string; events: string[] };
        return { status: 201, body: { webhook: { id: 'wh_0123456789abcdef0123', consumer_id: 'acme', url: b.url, events: b.events, created_at: '2026-01-01T00:00:00.000Z' }, secret: 'whsec_shown_once' } };
      }
      return {
        status: 200,
        body: { webhook_id: 'wh_0123456789abcdef0123', deliveries: [{ event_id: 'e1', event_type: 'session.status_changed', event_at: '2026-01-01T00:00:00.000Z', status: 'retrying', attempts: 2, last_status_code: 500, last_error: 'http_500', next_attempt_at: '2026-01-01T00:02:30.000Z' }], count: 1 },
      };
    });
    const created = await cli(['--server', api.url, 'webhooks', 'create', 'https://hooks.example.com/x', '-c', 'acme']);
    expect(created.code, created.stderr).toBe(0);
    expect(api.seen[0]!.body).toEqual({
      url: 'https://hooks.example.com/x',
      consumer_id: 'acme',
      events: ['session.status_changed', 'session.attempt_failed', 'session.refunded', 'session.retrying', 'session.expiring', 'budget.threshold', 'watch.matched'],
    });
    expect(created.stdout).toContain('whsec_shown_once');
    const only = await cli(['--server', api.url, 'webhooks', 'create', 'https://hooks.example.com/y', '-e', 'budget.threshold']);
    expect(only.code).toBe(0);
    expect((api.seen[1]!.body as { events: string[] }).events).toEqual(['budget.threshold']);
    const deliveries = await cli(['--server', api.url, 'webhooks', 'deliveries', 'wh_0123456789abcdef0123']);
    expect(api.seen[2]!.url).toBe('/api/v1/webhooks/wh_0123456789abcdef0123/deliveries?limit=50');
    expect(deliveries.stdout).toMatch(/e1\s+session\.status_changed.*retrying\s+2\s+500 http_500/);
  });
});
