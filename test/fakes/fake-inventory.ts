import { HostReputation } from '../../shared/domain/host-reputation.ts';
import type { Offer } from '../../shared/domain/offer.ts';
import type { InventoryReader, OfferFailure, OfferHealthRecorder, RankedOffer } from '../../shared/ports/inventory.ts';

export class FakeInventory implements InventoryReader, OfferHealthRecorder {
  offers: RankedOffer[] = [];
  failures: OfferFailure[] = [];

  add(...offers: Offer[]): this {
    this.offers.push(...offers.map((o) => ({ ...o, confidence: o.reliability })));
    return this;
  }

  async findOffer(id: string) {
    return this.offers.find((o) => o.id === id);
  }

  /** with the host reputation the recorded failures give (as of the latest one), as the real service does */
  async listOffers() {
    if (this.failures.length === 0) return this.offers;
    const hosts = new HostReputation(this.failures, new Date(Math.max(...this.failures.map((f) => f.at.getTime()))));
    return this.offers.map((o) =>
      hosts.confidenceFor(o) < 1 ? { ...o, host_confidence: hosts.confidenceFor(o), host_avoided: hosts.isAvoided(o) } : o,
    );
  }

  async recordFailure(failure: OfferFailure) {
    this.failures.push(failure);
  }
}

export function offer(overrides: Partial<Offer> & { id: string }): Offer {
  return {
    provider: 'vastai',
    provider_offer_id: overrides.id.replace(/^vastai-/, ''),
    gpu_type: 'RTX 5060 Ti',
    gpu_count: 1,
    vram_gb: 16,
    price_per_hour: 0.06,
    location: 'Oregon, US',
    reliability: 0.99,
    fetched_at: '2026-11-28T00:00:00.000Z',
    // a host with direct ports (Vast.ai): it can serve a workload's exposed ports
    direct_port_count: 100,
    ...overrides,
  };
}
