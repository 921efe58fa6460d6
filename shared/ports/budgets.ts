export interface Budget {
  consumer_id: string;
  monthly_limit_usd: number;
  updated_at: string;
}

export interface BudgetStore {
  get(consumerId: string): Promise<Budget | undefined>;
  put(budget: Budget): Promise<void>;
  delete(consumerId: string): Promise<void>;
}
