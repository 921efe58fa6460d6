// A session written straight into the store, in whatever state a test needs (e.g. "the create call is in flight"),
// for tests that exercise what reads sessions (the reconciler) rather than what writes them.
import { randomUUID } from 'node:crypto';
import type { Offer } from '../../shared/domain/offer.ts';
import type { Attempt, Session, SessionStatus } from '../../shared/domain/session.ts';
import type { SessionStore } from '../../shared/ports/session-store.ts';

export interface StoredSessionOptions {
  offer: Offer;
  status: SessionStatus;
  /** per attempt: what the attempt records */
  attempts?: Partial<Attempt>[];
  now?: Date;
  id?: string;
}

export async function storeSession(sessions: SessionStore, options: StoredSessionOptions): Promise<Session> {
  const now = options.now ?? new Date();
  const id = options.id ?? randomUUID();
  const { offer } = options;
  const attempts: Attempt[] = (options.attempts ?? [{}]).map((a, i) => ({
    n: i + 1,
    offer,
    offer_id: offer.id,
    provider: offer.provider,
    gpu_type: offer.gpu_type,
    price_per_hour: offer.price_per_hour,
    started_at: now.toISOString(),
    outcome: options.status === 'running' ? 'running' : 'in_progress',
    ...a,
  }));
  const session: Session = {
    id,
    consumer_id: `consumer-${id.slice(0, 8)}`,
    status: options.status,
    phase: options.status === 'running' ? 'ready' : options.status === 'provisioning' ? 'creating_instance' : 'queued',
    requested_offer_id: offer.id,
    offer_id: offer.id,
    provider: offer.provider,
    gpu_type: offer.gpu_type,
    gpu_count: offer.gpu_count,
    vram_gb: offer.vram_gb,
    price_per_hour: offer.price_per_hour,
    workload_type: 'llm',
    reservation_hours: 1,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + 3_600_000).toISOString(),
    hard_max_at: new Date(now.getTime() + 12 * 3_600_000).toISOString(),
    auto_retry: false,
    max_retries: 0,
    retry_scope: 'same_gpu',
    retry_count: 0,
    attempts,
    failed_offers: [],
    failed_hosts: [],
    version: 1,
  };
  const outcome = await sessions.create({
    session,
    secret: { session_id: id, private_key_ciphertext: 'not-a-key', public_keys: [] },
  });
  if (outcome.kind !== 'created') throw new Error(`could not store session ${id}: ${outcome.kind}`);
  return session;
}
