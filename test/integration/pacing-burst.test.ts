// A burst of sessions through the real state machines and handlers against simulated marketplaces that enforce
// the documented provider limits (10× faster than documented, so the test is short): the shared pacing keeps every
// call inside the limits, so no session fails for rate limits and the marketplaces count no violation.
import { afterAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/runtime-harness.ts';

const VAST = 8;
const TD = 8;

describe('a burst of sessions against the documented limits', () => {
  let h: Harness | undefined;
  afterAll(async () => {
    await h?.stop();
  });

  it('ends with every session running, none failed for rate limits, and no violation at either marketplace', { timeout: 180_000 }, async () => {
    const offer = (i: number, gpu: string, location: string) => ({ gpu, vram_gb: 24, price: 0.2 + i / 1000, location, boot_seconds: 1 });
    h = await startHarness(
      {
        seed: 16,
        vastai: { offers: Array.from({ length: VAST }, (_, i) => offer(i, 'RTX 4090', 'Texas, US')) },
        tensordock: {
          ip_delay_seconds: 0.5,
          offers: Array.from({ length: TD }, (_, i) => offer(i, 'NVIDIA GeForce RTX 4090 PCIe 24GB', 'Chubbuck, Idaho, United States')),
        },
      },
      { SIM_RATE_LIMIT_SCALE: '0.1', PROVIDER_PACING: 'dynamodb', PROVIDER_PACING_MARGIN_MS: '250' },
    );
    const harness = h;
    const ids: string[] = [];
    for (const [provider, n] of [
      ['vastai', VAST],
      ['tensordock', TD],
    ] as const) {
      for (let i = 0; i < n; i++) ids.push(await harness.offerId('RTX 4090', provider, i));
    }
    const posts = await Promise.all(
      ids.map((offer_id, i) =>
        harness.api<{ session: { id: string } }>('POST', '/api/v1/sessions', {
          consumer_id: `burst-${i}`,
          offer_id,
          workload_type: 'llm',
          reservation_hours: 1,
          auto_retry: false,
        }),
      ),
    );
    expect(posts.map((p) => p.status)).toEqual(ids.map(() => 201));
    const ended = await Promise.all(posts.map((p) => harness.waitFor(p.body.session.id, ['running', 'failed'], 150_000)));
    const why = ended.filter((s) => s['status'] !== 'running').map((s) => JSON.stringify(s['attempts']).slice(0, 600));
    expect(why).toEqual([]);
    expect(ended.map((s) => [s['status'], s['error_type'] ?? null])).toEqual(ended.map(() => ['running', null]));

    const vast = harness.runtime.sims.vastai!.rateLimits.report();
    const td = harness.runtime.sims.tensordock!.rateLimits.report();
    expect(vast.scale).toBe(0.1);
    // a client that keeps the limits sees no 429; on a loaded machine a request can still reach the marketplace more
    // than the margin late (one violation, backed off like any 429), never a storm
    expect(vast.violations + td.violations).toBeLessThanOrEqual(2);
    // the creates really queued: eight of them, at least the documented 4.5 s × 0.1 apart
    const creates = vast.endpoints.find((e) => e.endpoint === 'create')!;
    expect(creates.accepted).toBe(VAST);
    expect(creates.min_gap_ms).toBeGreaterThanOrEqual(450);
  });
});
