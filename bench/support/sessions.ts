// Sessions through the public API, the way a client drives them.
import type { HttpWorker, Response } from './http-worker.ts';

export interface SessionBody {
  id: string;
  status: string;
  phase?: string;
  error_type?: string;
  created_at: string;
  attempts: { attempt: number; instance_id?: string; offer_id: string; outcome?: string }[];
  verification?: { ready_at?: string; started_at?: string; attempts?: number; duration_ms?: number };
}

export async function createSession(
  http: HttpWorker,
  offerId: string,
  consumer: string,
  /** a client that retries a create sends one: a retry of a create that did land replays it instead of a 409 */
  idempotencyKey?: string,
): Promise<Response<{ session?: SessionBody; error_type?: string }>> {
  return http.request(
    'POST',
    '/api/v1/sessions',
    {
      consumer_id: consumer,
      offer_id: offerId,
      workload_type: 'llm',
      reservation_hours: 1,
      // one attempt: a failure must not move the session to another offer (another boot time)
      auto_retry: false,
    },
    idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
  );
}

export async function getSession(http: HttpWorker, id: string): Promise<Response<SessionBody>> {
  return http.request<SessionBody>('GET', `/api/v1/sessions/${id}`);
}

interface SessionEvent {
  type: string;
  at: string;
  class?: string;
}

export async function sessionEvents(http: HttpWorker, id: string): Promise<SessionEvent[]> {
  const res = await http.request<{ events: SessionEvent[] }>('GET', `/api/v1/sessions/${id}/events`);
  return res.body.events ?? [];
}

/** Vast.ai offer ids from the served inventory, cheapest first. */
export async function vastOfferIdsByPrice(http: HttpWorker): Promise<string[]> {
  const res = await http.request<{ offers: { id: string }[] }>('GET', '/api/v1/inventory?provider=vastai&limit=1000&sort=price');
  if (res.status !== 200) throw new Error(`GET /api/v1/inventory answered ${res.status}`);
  return res.body.offers.map((o) => o.id);
}

/** Runs `task` over `items`, at most `limit` at a time. */
export async function inParallel<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
