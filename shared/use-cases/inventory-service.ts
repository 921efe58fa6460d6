// Inventory as callers see it: the stored snapshots that may still be served, with offer health applied
// (suppressed offers hidden, confidence lowered by failures and age). Reads storage only, never a provider.
import { assessSnapshot, type ProviderInventoryStatus } from '../domain/inventory-snapshot.ts';
import type { ProviderName } from '../domain/offer.ts';
import { offerConfidence } from '../domain/offer-confidence.ts';
import { assessHealth, DEFAULT_HEALTH_RULES, type HealthIndex, type HealthRules } from '../domain/offer-health.ts';
import type { InventoryReader, RankedOffer } from '../ports/inventory.ts';
import type { InventorySnapshotReader, OfferFailureSource } from '../ports/inventory-storage.ts';

export interface ServedOffer extends RankedOffer {
  /** available: from a snapshot the last refresh confirmed; stale: the last refresh failed, this is older news */
  availability: 'available' | 'stale';
}

export interface ProviderInventoryInfo {
  status: ProviderInventoryStatus;
  /** when the provider's offers were last confirmed by a successful fetch */
  fetched_at?: string;
  /** offers of this provider that are served (suppressed ones not counted) */
  offer_count: number;
  error?: string;
}

export interface InventoryView {
  offers: ServedOffer[];
  providers: Partial<Record<ProviderName, ProviderInventoryInfo>>;
  health: HealthIndex;
}

export interface InventoryServiceDeps {
  snapshots: InventorySnapshotReader;
  failures: OfferFailureSource;
  now: () => Date;
  maxAgeSeconds: number;
  rules?: HealthRules;
}

export class InventoryService implements InventoryReader {
  constructor(private readonly deps: InventoryServiceDeps) {}

  async view(): Promise<InventoryView> {
    const [snapshots, failures] = await Promise.all([this.deps.snapshots.snapshots(), this.deps.failures.recentFailures()]);
    const now = this.deps.now();
    const health = assessHealth(failures, now, this.deps.rules ?? DEFAULT_HEALTH_RULES);
    const offers: ServedOffer[] = [];
    const providers: InventoryView['providers'] = {};
    for (const { head, offers: stored } of [...snapshots].sort((a, b) => a.head.provider.localeCompare(b.head.provider))) {
      const assessed = assessSnapshot(head, now, this.deps.maxAgeSeconds);
      let served = 0;
      if (assessed.servable) {
        const availability = assessed.status === 'ok' ? 'available' : 'stale';
        for (const offer of stored) {
          if (health.isSuppressed(offer.id)) continue;
          const confidence = offerConfidence(offer.reliability, assessed.age_seconds ?? 0, health.multiplierFor(offer));
          offers.push({ ...offer, fetched_at: head.fetched_at!, confidence, availability });
          served++;
        }
      }
      providers[head.provider] = {
        status: assessed.status,
        fetched_at: head.fetched_at,
        offer_count: served,
        error: assessed.error,
      };
    }
    return { offers, providers, health };
  }

  async findOffer(offerId: string): Promise<ServedOffer | undefined> {
    return (await this.view()).offers.find((o) => o.id === offerId);
  }

  async listOffers(): Promise<ServedOffer[]> {
    return (await this.view()).offers;
  }
}
