import type { MonthCommitment } from '../domain/budget-hold.ts';

/** What happens when a consumer's month is committed past its limit (a lowered limit, or a settlement overrun). */
export type OnExceeded = 'block' | 'stop';

export interface Budget {
  consumer_id: string;
  monthly_limit_usd: number;
  /** block (default): no new session or extension; stop: also end the running sessions */
  on_exceeded: OnExceeded;
  updated_at: string;
}

export type AlertLevel = 80 | 100;

export interface BudgetStore {
  get(consumerId: string): Promise<Budget | undefined>;
  put(budget: Budget): Promise<void>;
  delete(consumerId: string): Promise<void>;
  /** the month's holds and settled costs (zeros for a month nothing was reserved in) */
  commitment(consumerId: string, month: string): Promise<MonthCommitment>;
  /** records that the month's alert at this level went out; false when it already had (exactly one caller wins) */
  markAlerted(consumerId: string, month: string, level: AlertLevel, at: string): Promise<boolean>;
}

export interface BudgetAlert {
  type: 'budget_threshold';
  consumer_id: string;
  month: string;
  level: AlertLevel;
  limit_usd: number;
  committed_usd: number;
  held_usd: number;
  settled_usd: number;
  on_exceeded: OnExceeded;
  at: string;
}

/** Where budget alerts go: an SNS topic deployed, a log line and a JSONL file locally. */
export interface BudgetAlerts {
  publish(alert: BudgetAlert): Promise<void>;
}
