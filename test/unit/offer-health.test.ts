import { describe, expect, it } from 'vitest';
import { assessHealth, DEFAULT_HEALTH_RULES, pruneFailures } from '../../shared/domain/offer-health.ts';
import type { OfferFailure } from '../../shared/ports/inventory.ts';

const T0 = Date.parse('2026-11-28T12:00:00Z');
const min = (m: number) => new Date(T0 + m * 60_000);

function failure(offerId: string, atMinute: number, extra: Partial<OfferFailure> = {}): OfferFailure {
  return { offer_id: offerId, provider: 'vastai', gpu_type: 'RTX 3090', type: 'ssh_timeout', at: min(atMinute), ...extra };
}

const ref = (id: string, gpu_type = 'RTX 3090') => ({ id, provider: 'vastai' as const, gpu_type });

describe('offer health rules', () => {
  it('leaves an offer without failures at full confidence', () => {
    const health = assessHealth([failure('vastai-1', 0)], min(1));
    expect(health.multiplierFor(ref('vastai-2', 'RTX 4090'))).toBe(1);
    expect(health.isSuppressed('vastai-2')).toBe(false);
  });

  it('lowers confidence by 0.7 per failure inside the window', () => {
    expect(assessHealth([failure('vastai-1', 0)], min(1)).multiplierFor(ref('vastai-1'))).toBe(0.7);
    expect(assessHealth([failure('vastai-1', 0), failure('vastai-1', 5)], min(6)).multiplierFor(ref('vastai-1'))).toBe(0.49);
  });

  it('suppresses an offer after 3 failures within 30 minutes, for 30 minutes after the third', () => {
    const failures = [failure('vastai-1', 0), failure('vastai-1', 10), failure('vastai-1', 20, { reason: 'banner never came' })];
    const during = assessHealth(failures, min(21));
    expect(during.isSuppressed('vastai-1')).toBe(true);
    expect(during.multiplierFor(ref('vastai-1'))).toBe(0);
    expect(during.offers()[0]).toMatchObject({
      offer_id: 'vastai-1',
      recent_failures: 3,
      is_suppressed: true,
      suppressed_until: min(50).toISOString(),
      confidence_multiplier: 0,
      last_failure: min(20).toISOString(),
      last_failure_type: 'ssh_timeout',
      last_failure_reason: 'banner never came',
    });
    expect(assessHealth(failures, min(49)).isSuppressed('vastai-1')).toBe(true);
    expect(assessHealth(failures, min(51)).isSuppressed('vastai-1')).toBe(false);
  });

  it('does not suppress 3 failures spread wider than the window', () => {
    const failures = [failure('vastai-1', 0), failure('vastai-1', 20), failure('vastai-1', 40)];
    const health = assessHealth(failures, min(41));
    expect(health.isSuppressed('vastai-1')).toBe(false);
    // only the two inside the last 30 minutes still count
    expect(health.offers()[0]!.recent_failures).toBe(2);
    expect(health.multiplierFor(ref('vastai-1'))).toBe(0.49);
  });

  it('decays: failures stop counting after the window and are forgotten after an hour', () => {
    const failures = [failure('vastai-1', 0)];
    expect(assessHealth(failures, min(29)).multiplierFor(ref('vastai-1'))).toBe(0.7);
    const later = assessHealth(failures, min(31));
    expect(later.multiplierFor(ref('vastai-1'))).toBe(1);
    expect(later.offers()[0]!.recent_failures).toBe(0);
    expect(assessHealth(failures, min(61)).offers()).toEqual([]);
    expect(pruneFailures(failures, min(59))).toHaveLength(1);
    expect(pruneFailures(failures, min(61))).toHaveLength(0);
  });

  it('degrades a GPU type after 3 distinct failed offers of one provider within an hour', () => {
    const failures = [
      failure('vastai-1', 0, { gpu_type: 'RTX 3090' }),
      failure('vastai-2', 10, { gpu_type: 'rtx3090' }),
      failure('vastai-3', 40, { gpu_type: 'GeForce RTX 3090' }),
      failure('tensordock-x', 40, { provider: 'tensordock', gpu_type: 'RTX 3090' }),
    ];
    const health = assessHealth(failures, min(45));
    const vast = health.gpuTypes().find((t) => t.provider === 'vastai')!;
    expect(vast).toMatchObject({ failed_offers: 3, is_degraded: true, confidence_multiplier: 0.3 });
    // an offer of that type that never failed itself is degraded too; spellings do not matter
    expect(health.multiplierFor(ref('vastai-99', 'RTX3090'))).toBe(0.3);
    // another provider's offers of the same GPU are not
    expect(health.multiplierFor({ id: 'tensordock-y', provider: 'tensordock', gpu_type: 'RTX 3090' })).toBe(1);
    // and a failed offer carries both: 0.7 × 0.3
    expect(health.multiplierFor(ref('vastai-3'))).toBe(0.21);
    // two distinct offers are not enough
    expect(assessHealth(failures.slice(0, 2), min(45)).multiplierFor(ref('vastai-99'))).toBe(1);
    // and the type recovers once the failures are older than an hour
    expect(assessHealth(failures, min(71)).multiplierFor(ref('vastai-99'))).toBe(1);
  });

  it('never lowers an offer that is not suppressed below the floor', () => {
    const failures = [
      failure('vastai-1', 0),
      failure('vastai-2', 1),
      failure('vastai-3', 2),
      failure('vastai-1', 25),
      failure('vastai-1', 56), // spread too wide to suppress
    ];
    const rules = { ...DEFAULT_HEALTH_RULES, perFailureMultiplier: 0.1 };
    // one recent failure (×0.1) on a degraded type (×0.3) would be 0.03
    const health = assessHealth(failures, min(57), rules);
    expect(health.isSuppressed('vastai-1')).toBe(false);
    expect(health.multiplierFor(ref('vastai-1'))).toBe(DEFAULT_HEALTH_RULES.floor);
  });
});
