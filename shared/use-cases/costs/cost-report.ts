// Cost answers from the ledger. Attempts still running accrue up to now; refunded attempts cost the consumer nothing.
import { durationHours, round6 } from '../../domain/costs.ts';
import type { CostRecord } from '../../ports/cost-ledger.ts';

interface Figures {
  billed: number;
  providerCost: number;
  hours: number;
}

/** What one attempt costs so far: closed records as recorded, open ones accrued to `now`. */
export function attemptFigures(r: CostRecord, now: Date): Figures {
  const end = r.ended_at ?? now.toISOString();
  const hours = durationHours(r.started_at, end);
  const providerCost = r.provider_cost ?? round6(r.price_per_hour * hours);
  const billed = r.refunded || !r.reached_running ? 0 : (r.billed_cost ?? providerCost);
  return { billed, providerCost, hours: billed > 0 ? hours : 0 };
}

/**
 * The attempt's cost by part: GPU (TensorDock: with vCPUs and RAM), disk, and bandwidth. The GPU and disk costs
 * split billed_cost in proportion to their hourly rates. Bandwidth is billed per GB by the provider and the broker
 * meters no traffic: its rates are shown and its estimated cost is null (unknown), never a guess added to totals.
 * A record without parts (opened before prices were split) counts wholly as GPU.
 */
function attemptParts(r: CostRecord, billed: number) {
  const gpuRate = r.gpu_per_hour ?? r.price_per_hour;
  const diskRate = r.disk_per_hour ?? 0;
  const total = gpuRate + diskRate;
  const diskCost = total > 0 ? round6((billed * diskRate) / total) : 0;
  return {
    gpu_per_hour: gpuRate,
    disk_per_hour: r.disk_per_hour ?? null,
    disk_gb: r.disk_gb ?? null,
    gpu_cost: round6(billed - diskCost),
    disk_cost: diskCost,
    bandwidth: {
      inet_down_per_gb: r.inet_down_per_gb ?? null,
      inet_up_per_gb: r.inet_up_per_gb ?? null,
      estimated_cost: null,
    },
  };
}

export function sessionCostReport(sessionId: string, records: CostRecord[], now: Date) {
  const breakdown = [...records]
    .sort((a, b) => a.attempt - b.attempt)
    .map((r) => {
      const f = attemptFigures(r, now);
      return {
        ...attemptParts(r, round6(f.billed)),
        attempt: r.attempt,
        provider: r.provider,
        gpu_type: r.gpu_type,
        instance_id: r.instance_id,
        price_per_hour: r.price_per_hour,
        started_at: r.started_at,
        ended_at: r.ended_at ?? null,
        open: !r.ended_at,
        billed_cost: round6(f.billed),
        provider_cost: round6(f.providerCost),
        duration_hours: round6(f.hours),
        refunded: r.refunded,
        ...(r.refunded ? { refund_amount: round6(r.refund_amount ?? f.providerCost), refund_reason: r.refund_reason } : {}),
      };
    });
  const refunds = breakdown.filter((b) => b.refunded);
  return {
    session_id: sessionId,
    total_cost: round6(breakdown.reduce((n, b) => n + b.billed_cost, 0)),
    duration_hours: round6(breakdown.reduce((n, b) => n + b.duration_hours, 0)),
    refunded: round6(refunds.reduce((n, b) => n + (b.refund_amount ?? 0), 0)),
    refund_count: refunds.length,
    // total_cost by part (bandwidth is not metered: see attemptParts)
    gpu_cost: round6(breakdown.reduce((n, b) => n + b.gpu_cost, 0)),
    disk_cost: round6(breakdown.reduce((n, b) => n + b.disk_cost, 0)),
    estimated_bandwidth_cost: null,
    currency: 'USD' as const,
    breakdown,
  };
}

export function costSummary(consumerId: string | undefined, records: CostRecord[], from: Date, to: Date, now: Date) {
  const byProvider: Record<string, number> = {};
  const byGpu: Record<string, number> = {};
  let total = 0;
  let hours = 0;
  let refunded = 0;
  const sessions = new Set<string>();
  for (const r of records) {
    const f = attemptFigures(r, now);
    sessions.add(r.session_id);
    total += f.billed;
    hours += f.hours;
    if (r.refunded) refunded += r.refund_amount ?? f.providerCost;
    byProvider[r.provider] = round6((byProvider[r.provider] ?? 0) + f.billed);
    byGpu[r.gpu_type] = round6((byGpu[r.gpu_type] ?? 0) + f.billed);
  }
  return {
    ...(consumerId ? { consumer_id: consumerId } : {}),
    total_cost: round6(total),
    duration_hours: round6(hours),
    // the reference system's name for the same figure, kept for its clients
    hours_used: round6(hours),
    session_count: sessions.size,
    refunded_total: round6(refunded),
    by_provider: byProvider,
    by_gpu_type: byGpu,
    period_start: from.toISOString(),
    period_end: to.toISOString(),
    currency: 'USD' as const,
  };
}

export function monthBounds(now: Date): { from: Date; to: Date } {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) - 1);
  return { from, to };
}
