// The pure parts of webhook delivery: the signature receivers check, the address classifier the SSRF guard uses, and
// the backoff schedule that spreads retries over a day.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addressAllowed, classifyAddress } from '../../shared/domain/address-class.ts';
import { BACKOFF_SECONDS, nextAttemptDelaySeconds } from '../../shared/domain/delivery-backoff.ts';
import { signatureHeader, verifySignature } from '../../shared/domain/webhook-signature.ts';

describe('webhook signature', () => {
  const secret = 'whsec_test';
  const body = '{"id":"e1","type":"session.status_changed"}';
  const t = 1_700_000_000;
  const now = new Date(t * 1000);

  it('is t=<unix>,v1=<hex hmac-sha256(secret, t + "." + body)>', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signatureHeader(secret, t, body)).toBe(`t=${t},v1=${expected}`);
  });

  it('verifies, and refuses another body, another secret, an old timestamp and garbage', () => {
    const header = signatureHeader(secret, t, body);
    expect(verifySignature(header, secret, body, { now })).toEqual({ valid: true });
    expect(verifySignature(header, secret, `${body} `, { now })).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifySignature(header, 'whsec_other', body, { now })).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifySignature(header, secret, body, { now: new Date((t + 301) * 1000) })).toEqual({ valid: false, reason: 'too_old' });
    expect(verifySignature('t=abc,v1=zz', secret, body, { now })).toEqual({ valid: false, reason: 'malformed' });
    expect(verifySignature(undefined, secret, body, { now })).toEqual({ valid: false, reason: 'malformed' });
    // a replayed signature with a new timestamp no longer matches: t is inside the MAC
    const forged = header.replace(`t=${t}`, `t=${t + 100}`);
    expect(verifySignature(forged, secret, body, { now })).toEqual({ valid: false, reason: 'mismatch' });
  });
});

describe('address classifier (SSRF guard)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.1.1', 'link_local'],
    ['fe80::1', 'link_local'],
    ['100.64.0.1', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700::1111', 'public'],
    ['not-an-ip', 'invalid'],
  ])('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it('allows only public addresses deployed, and loopback too locally', () => {
    expect(addressAllowed('public', { allowLoopback: false })).toBe(true);
    expect(addressAllowed('loopback', { allowLoopback: false })).toBe(false);
    expect(addressAllowed('loopback', { allowLoopback: true })).toBe(true);
    expect(addressAllowed('private', { allowLoopback: true })).toBe(false);
    expect(addressAllowed('metadata', { allowLoopback: true })).toBe(false);
  });
});

describe('delivery backoff', () => {
  const first = new Date('2026-01-01T00:00:00Z');
  it('grows from 30 s to hours and repeats the last pause', () => {
    expect(nextAttemptDelaySeconds(1, first, first)).toBe(30);
    expect(nextAttemptDelaySeconds(2, first, first)).toBe(120);
    expect(nextAttemptDelaySeconds(8, first, first)).toBe(28_800);
    expect(nextAttemptDelaySeconds(12, first, first)).toBe(28_800);
  });

  it('stops at a day after the first attempt: following the schedule ends in a dead letter within 24 h', () => {
    let now = first;
    let failures = 0;
    for (;;) {
      failures += 1;
      const delay = nextAttemptDelaySeconds(failures, first, now);
      if (delay === undefined) break;
      now = new Date(now.getTime() + delay * 1000);
    }
    expect(now.getTime() - first.getTime()).toBeLessThanOrEqual(24 * 3600 * 1000);
    // the schedule really spans most of the day, not a few minutes
    expect(now.getTime() - first.getTime()).toBeGreaterThan(20 * 3600 * 1000);
    expect(failures).toBeGreaterThan(BACKOFF_SECONDS.length);
  });

  it('scales for local runs', () => {
    expect(nextAttemptDelaySeconds(1, first, first, { scale: 0.01 })).toBeCloseTo(0.3);
    expect(nextAttemptDelaySeconds(1, first, new Date(first.getTime() + 864_000), { scale: 0.01 })).toBeUndefined();
  });
});
