// An in-memory CostLedger with the DynamoDB adapter's rules (test/contracts/cost-ledger-contract.ts holds both to
// them): one record per attempt, opened once, closed once (billed only if it reached running and was not refunded),
// a refund of all it cost, and consumer listings by start time.
import { providerCost } from '../../shared/domain/costs.ts';
import type { CostLedger, CostRecord } from '../../shared/ports/cost-ledger.ts';

const key = (sessionId: string, attempt: number) => `${sessionId}#${String(attempt).padStart(3, '0')}`;
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export class MemoryCostLedger implements CostLedger {
  private readonly records = new Map<string, CostRecord>();

  async open(record: Omit<CostRecord, 'refunded' | 'currency'>): Promise<void> {
    const k = key(record.session_id, record.attempt);
    if (!this.records.has(k)) this.records.set(k, copy({ ...record, refunded: false, currency: 'USD' }));
  }

  async markRunning(sessionId: string, attempt: number): Promise<void> {
    const r = this.records.get(key(sessionId, attempt));
    if (r) r.reached_running = true;
  }

  async close(sessionId: string, attempt: number, endedAt: string): Promise<CostRecord | undefined> {
    const r = this.records.get(key(sessionId, attempt));
    if (!r || r.ended_at) return r && copy(r);
    const cost = providerCost(r.price_per_hour, r.started_at, endedAt);
    Object.assign(r, {
      ended_at: endedAt,
      provider_cost: cost,
      billed_cost: r.reached_running && !r.refunded ? cost : 0,
      // a refund recorded before the end was known refunds the whole cost once it is known
      ...(r.refunded ? { refund_amount: cost } : {}),
    });
    return copy(r);
  }

  async refund(sessionId: string, attempt: number, reason: string): Promise<CostRecord | undefined> {
    const r = this.records.get(key(sessionId, attempt));
    if (!r || r.refunded) return r && copy(r);
    Object.assign(r, { refunded: true, billed_cost: 0, refund_amount: r.provider_cost ?? 0, refund_reason: reason });
    return copy(r);
  }

  async forSession(sessionId: string): Promise<CostRecord[]> {
    return [...this.records.entries()]
      .filter(([k]) => k.startsWith(`${sessionId}#`))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, r]) => copy(r));
  }

  async forConsumer(consumerId: string | undefined, from: Date, to: Date): Promise<CostRecord[]> {
    const indexKey = (r: CostRecord) => `${r.started_at}#${r.session_id}#${r.attempt}`;
    const [low, high] = [from.toISOString(), `${to.toISOString()}\uffff`];
    return [...this.records.values()]
      .filter((r) => (consumerId === undefined || r.consumer_id === consumerId) && indexKey(r) >= low && indexKey(r) <= high)
      .sort((a, b) => indexKey(a).localeCompare(indexKey(b)))
      .map(copy);
  }
}
