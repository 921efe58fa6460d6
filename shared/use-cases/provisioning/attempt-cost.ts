// An attempt's cost record: opened as soon as its instance is known, whichever way it became known (the create's
// answer, a label found after a lost answer), so that no instance the broker paid for is missing from the ledger.
import type { Attempt, Session } from '../../domain/session.ts';
import type { CostLedger } from '../../ports/cost-ledger.ts';

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
    started_at: createdAt,
  });
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
