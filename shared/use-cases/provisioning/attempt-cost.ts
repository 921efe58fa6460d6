// An attempt's cost record: opened as soon as its instance is known, whichever way it became known (the create's
// answer, a label found after a lost answer), so that no instance the broker paid for is missing from the ledger.
import { priceFor } from '../../domain/offer-pricing.ts';
import type { Attempt, Session } from '../../domain/session.ts';
import type { CostLedger, CostRecord } from '../../ports/cost-ledger.ts';

export interface FoundInstance {
  id: string;
  /** the provider's creation time, when it says */
  created_at?: string;
}

/** Opens the attempt's cost record (idempotent: an open record is left as it is). */
export async function openCost(
  deps: { costs: CostLedger },
  session: Session,
  attempt: Attempt,
  instanceId: string,
  createdAt: string,
): Promise<void> {
  await deps.costs.open({
    session_id: session.id,
    consumer_id: session.consumer_id,
    attempt: attempt.n,
    provider: attempt.provider,
    gpu_type: attempt.gpu_type,
    instance_id: instanceId,
    price_per_hour: attempt.price_per_hour,
    ...priceParts(attempt),
    started_at: createdAt,
  });
}

/**
 * The GPU, disk and bandwidth parts of the attempt's price, from the offer it was priced from. Only for an offer
 * priced for its disk, so the parts always add up to the price_per_hour recorded (an attempt made before offers
 * were re-priced keeps its listed price, and no parts).
 */
export function priceParts(
  attempt: Pick<Attempt, 'offer' | 'price_per_hour'>,
): Pick<CostRecord, 'gpu_per_hour' | 'disk_per_hour' | 'disk_gb' | 'inet_down_per_gb' | 'inet_up_per_gb'> {
  const disk = attempt.offer.priced_for_disk_gb;
  if (disk === undefined) return {};
  const price = priceFor(attempt.offer, disk);
  if (price.basis !== 'all_in' || price.price_per_hour !== attempt.price_per_hour) return {};
  return {
    gpu_per_hour: price.gpu_per_hour,
    disk_per_hour: price.disk_per_hour,
    ...(price.disk_gb !== undefined ? { disk_gb: price.disk_gb } : {}),
    ...(price.inet_down_per_gb !== undefined ? { inet_down_per_gb: price.inet_down_per_gb } : {}),
    ...(price.inet_up_per_gb !== undefined ? { inet_up_per_gb: price.inet_up_per_gb } : {}),
  };
}

/**
 * An instance found only by its label (its create's answer was lost and no retry recorded it) cost money all the
 * same: its cost record is opened from the provider's creation time, so that it is closed — and refunded — like any
 * other attempt's.
 */
export async function recordFoundCost(
  deps: { costs: CostLedger },
  session: Session,
  attempt: Attempt,
  found: FoundInstance[],
): Promise<void> {
  const first = found[0];
  if (attempt.instance_id || !first) return;
  await openCost(deps, session, attempt, first.id, first.created_at ?? attempt.create_started_at ?? attempt.started_at);
}
