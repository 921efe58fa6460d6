// The all-in hourly price of an offer for the disk a session will actually be created with. Providers list a price
// for one disk size (Vast: the search's `allocated_storage`; TensorDock: the VM storage the adapter creates) but
// create, and bill, the workload's disk: pricing for the listed disk under-charges a large disk in ranking and in
// the ledger. Pure: the inputs are the pricing fields the adapters store on the offer.
import { round6 } from './costs.ts';
import type { Offer } from './offer.ts';

/** Vast quotes storage per GB-month; it converts with a 30-day month (provider-apis.md §1.2, dph_total). */
export const HOURS_PER_MONTH = 720;

/** The disk an inventory answer is priced for when the caller names none (the sessions' default disk). */
export const DEFAULT_PRICED_DISK_GB = 50;

type PricingInputs = Pick<
  Offer,
  | 'price_per_hour'
  | 'base_price_per_hour'
  | 'disk_price_per_gb_hour'
  | 'listed_disk_gb'
  | 'min_disk_gb'
  | 'inet_down_price_per_gb'
  | 'inet_up_price_per_gb'
>;

interface OfferPrice {
  /** USD per hour, all in: gpu_per_hour + disk_per_hour */
  price_per_hour: number;
  /** the GPU part (TensorDock: with the VM's vCPUs and RAM) */
  gpu_per_hour: number;
  disk_per_hour: number;
  /** the disk billed: the one asked for, raised to the provider's minimum; undefined when not known */
  disk_gb?: number;
  /** all_in: computed from the offer's pricing inputs; listed: an offer without them, its listed price as is */
  basis: 'all_in' | 'listed';
  /** USD per GB of traffic, not in the hourly price (usage is not metered, so only the rates are known) */
  inet_down_per_gb?: number;
  inet_up_per_gb?: number;
}

/** The disk the provider bills when `diskGb` is asked for. */
export function billedDiskGb(offer: Pick<Offer, 'min_disk_gb'>, diskGb: number): number {
  return Math.max(diskGb, offer.min_disk_gb ?? 0);
}

/** The all-in hourly price of `offer` created with `diskGb` of disk, and what it is made of. */
export function priceFor(offer: PricingInputs, diskGb: number): OfferPrice {
  const bandwidth = {
    ...(offer.inet_down_price_per_gb !== undefined ? { inet_down_per_gb: offer.inet_down_price_per_gb } : {}),
    ...(offer.inet_up_price_per_gb !== undefined ? { inet_up_per_gb: offer.inet_up_price_per_gb } : {}),
  };
  if (offer.base_price_per_hour === undefined || offer.disk_price_per_gb_hour === undefined) {
    // stored before pricing inputs existed: the listed price is all that is known
    return {
      price_per_hour: offer.price_per_hour,
      gpu_per_hour: offer.price_per_hour,
      disk_per_hour: 0,
      ...(offer.listed_disk_gb !== undefined ? { disk_gb: offer.listed_disk_gb } : {}),
      basis: 'listed',
      ...bandwidth,
    };
  }
  const disk = billedDiskGb(offer, diskGb);
  const gpu = round6(offer.base_price_per_hour);
  const diskHour = round6(offer.disk_price_per_gb_hour * disk);
  return {
    // rounded once from the exact sum, so that the listed disk gives back the provider's own figure
    price_per_hour: round6(offer.base_price_per_hour + offer.disk_price_per_gb_hour * disk),
    gpu_per_hour: gpu,
    disk_per_hour: diskHour,
    disk_gb: disk,
    basis: 'all_in',
    ...bandwidth,
  };
}

/** A copy of the offer whose price_per_hour is the all-in price for `diskGb` (other fields, e.g. confidence, kept). */
export function pricedOffer<T extends PricingInputs>(offer: T, diskGb: number): T & { priced_for_disk_gb: number } {
  return { ...offer, price_per_hour: priceFor(offer, diskGb).price_per_hour, priced_for_disk_gb: diskGb };
}

/** Whether an instance of this offer can have `diskGb` of disk (unknown limits do not exclude it). */
export function fitsDisk(offer: Pick<Offer, 'max_disk_gb'>, diskGb: number): boolean {
  return offer.max_disk_gb === undefined || diskGb <= offer.max_disk_gb;
}

/** Re-priced lists per offer list and disk, reused while the list is (readers reuse it until storage changes). */
const repriced = new WeakMap<object, Map<number, unknown[]>>();
const DISKS_KEPT = 8;

/**
 * The offers that can have `diskGb` of disk, each re-priced for it. The same list and disk give the same array,
 * so sorting it (sortedOffers) is not redone on every request.
 */
export function pricedOffers<T extends PricingInputs & Pick<Offer, 'max_disk_gb'>>(
  offers: T[],
  diskGb: number,
): (T & { priced_for_disk_gb: number })[] {
  let byDisk = repriced.get(offers);
  if (!byDisk) {
    byDisk = new Map();
    repriced.set(offers, byDisk);
  }
  let list = byDisk.get(diskGb) as (T & { priced_for_disk_gb: number })[] | undefined;
  if (!list) {
    list = offers.filter((o) => fitsDisk(o, diskGb)).map((o) => pricedOffer(o, diskGb));
    // a few disk sizes per list: the ones callers ask for again
    if (byDisk.size >= DISKS_KEPT) byDisk.delete(byDisk.keys().next().value!);
    byDisk.set(diskGb, list);
  }
  return list;
}
