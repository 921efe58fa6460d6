import { describe, expect, it } from 'vitest';
import { HostReputation } from '../../shared/domain/host-reputation.ts';
import { DEFAULT_HEALTH_RULES, pruneFailures } from '../../shared/domain/offer-health.ts';
import type { OfferFailure } from '../../shared/ports/inventory.ts';

const NOW = new Date('2026-12-07T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
const fail = (over: Partial<OfferFailure>): OfferFailure => ({
  offer_id: 'vastai-1',
  provider: 'vastai',
  gpu_type: 'RTX 4090',
  host_id: 'machine-7',
  type: 'ssh_timeout',
  at: hoursAgo(1),
  ...over,
});

describe('host reputation', () => {
  it('counts a host’s own faults across its offers for a day; three make retries avoid it', () => {
    const rep = new HostReputation(
      [
        fail({ offer_id: 'vastai-1', at: hoursAgo(20) }),
        fail({ offer_id: 'vastai-2', type: 'instance_stopped', at: hoursAgo(2) }),
        fail({ offer_id: 'vastai-3', type: 'auth_rejected' }),
        // not the machine's fault, or too old, or another provider's host of the same id
        fail({ type: 'stale_inventory' }),
        fail({ type: 'provider_error' }),
        fail({ at: hoursAgo(25) }),
        fail({ provider: 'tensordock' }),
      ],
      NOW,
    );
    const host = { provider: 'vastai', host_id: 'machine-7' };
    expect(rep.isAvoided(host)).toBe(true);
    expect(rep.confidenceFor(host)).toBe(0.422);
    expect(rep.list()[0]).toMatchObject({ host_id: 'machine-7', failures: 3, failed_offers: 3, avoided: true, last_failure_type: 'auth_rejected' });
    expect(rep.confidenceFor({ provider: 'tensordock', host_id: 'machine-7' })).toBe(0.75);
    expect(rep.isAvoided({ provider: 'tensordock', host_id: 'machine-7' })).toBe(false);
    expect(rep.confidenceFor({ provider: 'vastai' })).toBe(1);
    expect(rep.confidenceFor({ provider: 'vastai', host_id: 'other' })).toBe(1);
  });

  it('storage keeps a host’s faults for the reputation window and everything else for offer health’s', () => {
    const kept = pruneFailures(
      [fail({ at: hoursAgo(23) }), fail({ host_id: undefined, at: hoursAgo(23) }), fail({ type: 'provider_error', at: hoursAgo(2) }), fail({ at: hoursAgo(25) })],
      NOW,
      DEFAULT_HEALTH_RULES,
    );
    expect(kept).toHaveLength(1);
    expect(kept[0]!.host_id).toBe('machine-7');
  });
});
