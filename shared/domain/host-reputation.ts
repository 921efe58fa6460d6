// Host reputation: a marketplace host (machine) that failed verification for anyone — not only this offer, not only
// this consumer — is likely to fail again. Failures are remembered a day per provider and host; each lowers the
// host's confidence, and N inside the window make retries avoid it. Pure rules over the stored failures.
import type { OfferFailure, OfferFailureType } from '../ports/inventory.ts';
import type { ProviderName } from './offer.ts';

interface HostRules {
  windowMs: number;
  /** this many failures inside the window: retries avoid the host, inventory shows it avoided */
  avoidAfter: number;
  /** host confidence multiplier per failure inside the window (0.75^n) */
  perFailureMultiplier: number;
  floor: number;
}

export const DEFAULT_HOST_RULES: HostRules = {
  windowMs: 24 * 60 * 60_000,
  avoidAfter: 3,
  perFailureMultiplier: 0.75,
  floor: 0.05,
};

/** What the host itself is to blame for (a vanished offer or a provider API error is not the machine's fault). */
const HOST_FAULTS: ReadonlySet<OfferFailureType> = new Set(['ssh_timeout', 'instance_stopped', 'instance_vanished', 'auth_rejected', 'api_timeout']);

export const isHostFault = (f: Pick<OfferFailure, 'host_id' | 'type'>): boolean => f.host_id !== undefined && HOST_FAULTS.has(f.type);

export interface HostHealth {
  provider: ProviderName;
  host_id: string;
  failures: number;
  /** distinct offers of the host that failed */
  failed_offers: number;
  host_confidence: number;
  avoided: boolean;
  last_failure: string;
  last_failure_type: OfferFailureType;
}

const keyOf = (provider: string, hostId: string) => `${provider}:${hostId}`;

export class HostReputation {
  private readonly hosts = new Map<string, HostHealth>();

  constructor(failures: OfferFailure[], now: Date, rules: HostRules = DEFAULT_HOST_RULES) {
    const since = now.getTime() - rules.windowMs;
    const offers = new Map<string, Set<string>>();
    for (const f of [...failures].sort((a, b) => a.at.getTime() - b.at.getTime())) {
      if (!isHostFault(f) || f.at.getTime() <= since) continue;
      const key = keyOf(f.provider, f.host_id!);
      const seen = offers.get(key) ?? new Set<string>();
      seen.add(f.offer_id);
      offers.set(key, seen);
      const n = (this.hosts.get(key)?.failures ?? 0) + 1;
      this.hosts.set(key, {
        provider: f.provider,
        host_id: f.host_id!,
        failures: n,
        failed_offers: seen.size,
        host_confidence: Math.round(Math.max(rules.floor, rules.perFailureMultiplier ** n) * 1000) / 1000,
        avoided: n >= rules.avoidAfter,
        last_failure: f.at.toISOString(),
        last_failure_type: f.type,
      });
    }
  }

  /** 1 for a host without recent failures (or an offer without a known host). */
  confidenceFor(offer: { provider: string; host_id?: string }): number {
    return offer.host_id ? (this.hosts.get(keyOf(offer.provider, offer.host_id))?.host_confidence ?? 1) : 1;
  }

  isAvoided(offer: { provider: string; host_id?: string }): boolean {
    return offer.host_id ? (this.hosts.get(keyOf(offer.provider, offer.host_id))?.avoided ?? false) : false;
  }

  list(): HostHealth[] {
    return [...this.hosts.values()].sort((a, b) => b.failures - a.failures || a.host_id.localeCompare(b.host_id));
  }
}
