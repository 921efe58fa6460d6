// A budget is a hold: every session reserves price × reserved hours against the month it was created in, before
// anything is spent. Creating, extending and retrying onto a dearer offer grow the hold; the session store writes
// the growth and the month's counter in one conditional transaction, so parallel requests cannot overshoot. At the
// end the ledger's real cost replaces the hold (settlement).
import { round6 } from './costs.ts';
import type { Session } from './session.ts';

/** The month a hold counts against: YYYY-MM in UTC. */
export const holdMonth = (at: Date): string => at.toISOString().slice(0, 7);

/** The hold for `hours` at `pricePerHour`. */
export const holdFor = (pricePerHour: number, hours: number): number => round6(pricePerHour * hours);

/**
 * How a write changes the month counter: held and settled deltas, and the overrun a settlement reveals (billed
 * beyond what was held). `grows` says the write reserves more and must pass the budget.
 */
export interface HoldChange {
  consumer_id: string;
  month: string;
  held_delta: number;
  settled_delta: number;
  overrun: number;
  grows: boolean;
}

export function holdChange(before: Session | undefined, after: Session): HoldChange | undefined {
  if (!after.hold_month) return undefined;
  const heldDelta = round6((after.hold_usd ?? 0) - (before?.hold_usd ?? 0));
  const settledDelta = round6((after.settled_usd ?? 0) - (before?.settled_usd ?? 0));
  if (heldDelta === 0 && settledDelta === 0) return undefined;
  const settling = !before?.hold_settled_at && after.hold_settled_at !== undefined;
  return {
    consumer_id: after.consumer_id,
    month: after.hold_month,
    held_delta: heldDelta,
    settled_delta: settledDelta,
    overrun: settling ? round6(Math.max(0, (after.settled_usd ?? 0) - (before?.hold_usd ?? 0))) : 0,
    grows: heldDelta > 0,
  };
}

/** A session's spending position in its month: what a budget counts. */
export interface MonthCommitment {
  consumer_id: string;
  month: string;
  held_usd: number;
  settled_usd: number;
  /** held + settled: what the month has spent or may still spend */
  committed_usd: number;
  /** Σ billed beyond the hold at settlement: the only way committed can pass a limit without it being lowered */
  overrun_usd: number;
  alerted?: { pct80?: string; pct100?: string };
}
