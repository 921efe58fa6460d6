import type { ProviderName } from '../domain/offer.ts';

/** One instance attempt's money: what the provider charges us, what the consumer is billed, what was refunded. */
export interface CostRecord {
  session_id: string;
  consumer_id: string;
  attempt: number;
  provider: ProviderName;
  gpu_type: string;
  instance_id: string;
  /** all in: GPU (TensorDock: with vCPUs and RAM) plus the disk the instance was created with */
  price_per_hour: number;
  /** what price_per_hour is made of, when the offer said (absent on records opened before prices were split) */
  gpu_per_hour?: number;
  disk_per_hour?: number;
  /** the disk billed */
  disk_gb?: number;
  /** USD per GB of traffic, billed apart and not metered by the broker */
  inet_down_per_gb?: number;
  inet_up_per_gb?: number;
  /** the instance's creation at the provider */
  started_at: string;
  /** confirmed destruction at the provider */
  ended_at?: string;
  /** price × (ended_at − started_at), once ended */
  provider_cost?: number;
  /** 0 for attempts that never reached running (refunded) */
  billed_cost?: number;
  /** the attempt became usable (running): its time is billed */
  reached_running?: boolean;
  refunded: boolean;
  refund_amount?: number;
  refund_reason?: string;
  currency: 'USD';
}

export interface CostLedger {
  /** idempotent: opening an open record again changes nothing */
  open(record: Omit<CostRecord, 'refunded' | 'currency'>): Promise<void>;
  /** the attempt became running: its time will be billed */
  markRunning(sessionId: string, attempt: number): Promise<void>;
  /** idempotent: closes at the first confirmed end, computing provider_cost and billed_cost */
  close(sessionId: string, attempt: number, endedAt: string): Promise<CostRecord | undefined>;
  /** idempotent: marks the attempt refunded (billed 0), returns the record */
  refund(sessionId: string, attempt: number, reason: string): Promise<CostRecord | undefined>;
  forSession(sessionId: string): Promise<CostRecord[]>;
  forConsumer(consumerId: string | undefined, from: Date, to: Date): Promise<CostRecord[]>;
}
