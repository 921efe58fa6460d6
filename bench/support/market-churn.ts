// A live market's prices move between refreshes; the simulated one's do not unless told to.
import type { LocalRuntime } from '../../local/runtime.ts';

/** Moves 2% of each simulated marketplace's prices (a different 2% each round), so the next refresh stores a new snapshot. */
export function changeSomePrices(runtime: LocalRuntime, round: number): void {
  for (const sim of [runtime.sims.vastai, runtime.sims.tensordock]) {
    const offers = sim?.market.listedOffers() ?? [];
    for (let i = round % 50; i < offers.length; i += 50) {
      offers[i]!.price = Math.round((offers[i]!.price * 1.01 + 0.001) * 1000) / 1000;
    }
  }
}
