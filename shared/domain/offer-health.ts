// Offer health: what recent provisioning failures say about an offer and its GPU type. Pure rules over a list of
// failures; storage keeps only the failures, and everything here (multipliers, suppression, decay) is derived.
import type { OfferFailure, OfferFailureType } from '../ports/inventory.ts';
import { DEFAULT_HOST_RULES, HostReputation, isHostFault } from './host-reputation.ts';
import { gpuKey, type ProviderName } from './offer.ts';

export interface HealthRules {
  /** failures of one offer inside this window lower its confidence */
  offerWindowMs: number;
  /** confidence multiplier per failure inside the window (0.7^n) */
  perFailureMultiplier: number;
  /** this many failures inside the window suppress the offer… */
  suppressAfter: number;
  /** …for this long after the failure that reached the count */
  suppressForMs: number;
  /** distinct failed offers of one provider+GPU type inside this window degrade the type */
  typeWindowMs: number;
  typeDistinctOffers: number;
  typeMultiplier: number;
  /** lowest multiplier of an offer that is not suppressed */
  floor: number;
  /** failures older than this are forgotten (decay) */
  retainMs: number;
}

const MINUTE = 60_000;

export const DEFAULT_HEALTH_RULES: HealthRules = {
  offerWindowMs: 30 * MINUTE,
  perFailureMultiplier: 0.7,
  suppressAfter: 3,
  suppressForMs: 30 * MINUTE,
  typeWindowMs: 60 * MINUTE,
  typeDistinctOffers: 3,
  typeMultiplier: 0.3,
  floor: 0.05,
  // long enough to keep every failure that can still count or still suppress
  retainMs: 60 * MINUTE,
};

export interface OfferHealth {
  offer_id: string;
  provider: ProviderName;
  gpu_type: string;
  /** failures inside the offer window */
  recent_failures: number;
  is_suppressed: boolean;
  suppressed_until?: string;
  /** what the offer's confidence is multiplied by (its own failures and its GPU type's); 0 while suppressed */
  confidence_multiplier: number;
  last_failure?: string;
  last_failure_type?: OfferFailureType;
  last_failure_reason?: string;
}

export interface GpuTypeHealth {
  provider: ProviderName;
  gpu_type: string;
  /** distinct offers of this type that failed inside the type window */
  failed_offers: number;
  is_degraded: boolean;
  confidence_multiplier: number;
}

interface OfferRef {
  id: string;
  provider: ProviderName;
  gpu_type: string;
}

/**
 * Failures still worth keeping at `now`: storage prunes with this on every write. A host's own faults are kept for
 * the host reputation window (a day), the rest only as long as offer health can use them.
 */
export function pruneFailures(failures: OfferFailure[], now: Date, rules: HealthRules = DEFAULT_HEALTH_RULES): OfferFailure[] {
  const since = now.getTime() - rules.retainMs;
  const hostSince = now.getTime() - Math.max(rules.retainMs, DEFAULT_HOST_RULES.windowMs);
  return failures.filter((f) => f.at.getTime() > (isHostFault(f) ? hostSince : since));
}

export class HealthIndex {
  private readonly byOffer = new Map<string, OfferHealth>();
  private readonly byType = new Map<string, GpuTypeHealth>();
  /** the hosts' reputation over the longer host window */
  readonly hosts: HostReputation;

  constructor(
    failures: OfferFailure[],
    private readonly now: Date,
    private readonly rules: HealthRules = DEFAULT_HEALTH_RULES,
  ) {
    const retained = pruneFailures(failures, now, rules);
    this.hosts = new HostReputation(retained, now);
    // offer and GPU-type health only look back retainMs; host faults are kept longer for the reputation
    const kept = retained.filter((f) => f.at.getTime() > now.getTime() - rules.retainMs).sort((a, b) => a.at.getTime() - b.at.getTime());
    this.buildTypes(kept);
    const grouped = new Map<string, OfferFailure[]>();
    for (const f of kept) {
      const list = grouped.get(f.offer_id) ?? [];
      list.push(f);
      grouped.set(f.offer_id, list);
    }
    for (const [offerId, list] of grouped) this.byOffer.set(offerId, this.assessOffer(offerId, list));
  }

  /** The multiplier to apply to an offer's confidence: 1 when healthy, 0 when suppressed. */
  multiplierFor(offer: OfferRef): number {
    const own = this.byOffer.get(offer.id);
    if (own) return own.confidence_multiplier;
    const type = this.byType.get(typeKey(offer.provider, offer.gpu_type));
    return type ? Math.max(this.rules.floor, type.confidence_multiplier) : 1;
  }

  isSuppressed(offerId: string): boolean {
    return this.byOffer.get(offerId)?.is_suppressed ?? false;
  }

  offers(): OfferHealth[] {
    return [...this.byOffer.values()];
  }

  gpuTypes(): GpuTypeHealth[] {
    return [...this.byType.values()];
  }

  private buildTypes(failures: OfferFailure[]): void {
    const since = this.now.getTime() - this.rules.typeWindowMs;
    const offersByType = new Map<string, { provider: ProviderName; gpu_type: string; offers: Set<string> }>();
    for (const f of failures) {
      if (f.at.getTime() <= since) continue;
      const key = typeKey(f.provider, f.gpu_type);
      const entry = offersByType.get(key) ?? { provider: f.provider, gpu_type: f.gpu_type, offers: new Set<string>() };
      entry.offers.add(f.offer_id);
      entry.gpu_type = f.gpu_type;
      offersByType.set(key, entry);
    }
    for (const [key, { provider, gpu_type, offers }] of offersByType) {
      const degraded = offers.size >= this.rules.typeDistinctOffers;
      this.byType.set(key, {
        provider,
        gpu_type,
        failed_offers: offers.size,
        is_degraded: degraded,
        confidence_multiplier: degraded ? this.rules.typeMultiplier : 1,
      });
    }
  }

  private assessOffer(offerId: string, failures: OfferFailure[]): OfferHealth {
    const { rules } = this;
    const now = this.now.getTime();
    const last = failures[failures.length - 1]!;
    const recent = failures.filter((f) => f.at.getTime() > now - rules.offerWindowMs).length;

    // suppressed from any failure that completes `suppressAfter` failures inside one window, for suppressForMs
    let suppressedUntil = 0;
    for (let i = rules.suppressAfter - 1; i < failures.length; i++) {
      const at = Math.min(failures[i]!.at.getTime(), now);
      const first = failures[i - rules.suppressAfter + 1]!.at.getTime();
      if (at - first < rules.offerWindowMs) suppressedUntil = Math.max(suppressedUntil, at + rules.suppressForMs);
    }
    const suppressed = suppressedUntil > now;
    const typeMultiplier = this.byType.get(typeKey(last.provider, last.gpu_type))?.confidence_multiplier ?? 1;
    const multiplier = suppressed
      ? 0
      : Math.max(rules.floor, rules.perFailureMultiplier ** recent * typeMultiplier);

    return {
      offer_id: offerId,
      provider: last.provider,
      gpu_type: last.gpu_type,
      recent_failures: recent,
      is_suppressed: suppressed,
      suppressed_until: suppressed ? new Date(suppressedUntil).toISOString() : undefined,
      confidence_multiplier: round(multiplier),
      last_failure: last.at.toISOString(),
      last_failure_type: last.type,
      last_failure_reason: last.reason,
    };
  }
}

export function assessHealth(failures: OfferFailure[], now: Date, rules: HealthRules = DEFAULT_HEALTH_RULES): HealthIndex {
  return new HealthIndex(failures, now, rules);
}

function typeKey(provider: string, gpuType: string): string {
  return `${provider}:${gpuKey(gpuType)}`;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
