// Inventory as callers see it: the stored snapshots that may still be served, with offer health applied
// (suppressed offers hidden, confidence lowered by failures and age). Reads storage only, never a provider.
import { assessSnapshot, type ProviderInventoryStatus, type StoredOffer } from '../domain/inventory-snapshot.ts';
import type { ProviderName } from '../domain/offer.ts';
import { offerConfidence } from '../domain/offer-confidence.ts';
import { assessHealth, DEFAULT_HEALTH_RULES, type HealthIndex, type HealthRules } from '../domain/offer-health.ts';
import type { InventoryReader, RankedOffer } from '../ports/inventory.ts';
import type { InventorySnapshotReader, OfferFailureSource } from '../ports/inventory-storage.ts';

export interface ServedOffer extends RankedOffer {
  /** available: from a snapshot the last refresh confirmed; stale: the last refresh failed, this is older news */
  availability: 'available' | 'stale';
}

interface ProviderInventoryInfo {
  status: ProviderInventoryStatus;
  /** when the provider's offers were last confirmed by a successful fetch */
  fetched_at?: string;
  /** offers of this provider that are served (suppressed ones not counted) */
  offer_count: number;
  error?: string;
}

interface InventoryView {
  /** shared between calls: read, do not modify */
  offers: ServedOffer[];
  providers: Partial<Record<ProviderName, ProviderInventoryInfo>>;
  health: HealthIndex;
}

interface InventoryServiceDeps {
  snapshots: InventorySnapshotReader;
  failures: OfferFailureSource;
  now: () => Date;
  maxAgeSeconds: number;
  rules?: HealthRules;
}

interface Built {
  stored: StoredOffer[];
  key: string;
  offers: ServedOffer[];
}

const AGE_STEP_SECONDS = 15;

export class InventoryService implements InventoryReader {
  /** per provider, the served offers last built, reused while nothing they depend on changed */
  private readonly built = new Map<ProviderName, Built>();
  /** all providers' served offers in one array, reused (and so its sort orders) while no provider's changed */
  private combined: { parts: ServedOffer[][]; offers: ServedOffer[] } | undefined;

  constructor(private readonly deps: InventoryServiceDeps) {}

  async view(): Promise<InventoryView> {
    const [snapshots, failures] = await Promise.all([this.deps.snapshots.snapshots(), this.deps.failures.recentFailures()]);
    const now = this.deps.now();
    const health = assessHealth(failures, now, this.deps.rules ?? DEFAULT_HEALTH_RULES);
    const healthKey = failures.map((f) => `${f.offer_id}@${f.at.getTime()}`).join(',');
    const parts: ServedOffer[][] = [];
    const providers: InventoryView['providers'] = {};
    for (const { head, offers: stored } of [...snapshots].sort((a, b) => a.head.provider.localeCompare(b.head.provider))) {
      const assessed = assessSnapshot(head, now, this.deps.maxAgeSeconds);
      let served: ServedOffer[] = [];
      if (assessed.servable) {
        const availability = assessed.status === 'ok' ? 'available' : 'stale';
        // confidence moves slowly with age (flat for 2 min, then down to half at 5): computed per 15 s step, so the
        // offers are rebuilt (and re-sorted) a few times a minute, not on every request
        const age = Math.floor((assessed.age_seconds ?? 0) / AGE_STEP_SECONDS) * AGE_STEP_SECONDS;
        const key = `${head.fetched_at}|${availability}|${age}|${healthKey}`;
        const cached = this.built.get(head.provider);
        if (cached && cached.stored === stored && cached.key === key) {
          served = cached.offers;
        } else {
          for (const offer of stored) {
            if (health.isSuppressed(offer.id)) continue;
            const hostConfidence = health.hosts.confidenceFor(offer);
            const confidence = offerConfidence(offer.reliability, age, health.multiplierFor(offer) * hostConfidence);
            served.push({
              ...offer,
              fetched_at: head.fetched_at!,
              confidence,
              availability,
              ...(hostConfidence < 1 ? { host_confidence: hostConfidence, host_avoided: health.hosts.isAvoided(offer) } : {}),
            });
          }
          this.built.set(head.provider, { stored, key, offers: served });
        }
      }
      parts.push(served);
      providers[head.provider] = {
        status: assessed.status,
        fetched_at: head.fetched_at,
        offer_count: served.length,
        error: assessed.error,
      };
    }
    const same = this.combined?.parts.length === parts.length && this.combined.parts.every((p, i) => p === parts[i]);
    if (!same) this.combined = { parts, offers: parts.flat() };
    return { offers: this.combined!.offers, providers, health };
  }

  /** A copy: the served offers are shared between calls. */
  async findOffer(offerId: string): Promise<ServedOffer | undefined> {
    const found = (await this.view()).offers.find((o) => o.id === offerId);
    return found && { ...found };
  }

  async listOffers(): Promise<ServedOffer[]> {
    return (await this.view()).offers;
  }
}
