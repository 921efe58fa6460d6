import type { Session, SessionStatus } from '../domain/session.ts';
import type { ProviderName } from '../domain/offer.ts';

/** The encrypted private key and the public keys installed on the session's instances. */
export interface SessionSecret {
  session_id: string;
  /** SecretCipher ciphertext of the OpenSSH private key */
  private_key_ciphertext: string;
  /** the broker's public key, then the consumer's own if given */
  public_keys: string[];
}

export interface NewSession {
  session: Session;
  secret: SessionSecret;
  /** Idempotency-Key of the request, with a hash of its body */
  idempotency?: { key: string; request_hash: string };
}

export type CreateOutcome =
  | { kind: 'created'; session: Session }
  /** the same Idempotency-Key was used before: its session */
  | { kind: 'replayed'; session: Session; request_hash: string }
  /** the consumer already has an active session on this offer */
  | { kind: 'duplicate'; existing_session_id: string };

export interface SessionQuery {
  consumer_id?: string;
  status?: SessionStatus;
  provider?: ProviderName;
  limit: number;
  cursor?: string;
}

/** Mutations return the changes to apply, or undefined to leave the session as it is (see domain/session-lifecycle.ts). */
export type SessionMutation = (current: Session) => Partial<Session> | undefined;

/**
 * A write that changes a session's hold (`hold_usd`, `settled_usd`) moves its month counter in the same transaction;
 * one that grows the hold past the consumer's budget throws BudgetExceededError and writes nothing.
 */
export interface SessionStore {
  get(id: string): Promise<Session | undefined>;
  create(input: NewSession): Promise<CreateOutcome>;
  /**
   * The one write verb: read, apply the mutation, write with an optimistic lock on `version`, retrying on a lost race
   * (so the mutation may run more than once). Returns the stored session (unchanged when the mutation returned
   * undefined) and whether the write that won was this mutation's. Throws NotFoundError for an unknown id.
   * `known`: the session as the caller just read it, tried first instead of a fresh read (the lock still guards it).
   */
  apply(id: string, mutation: SessionMutation, known?: Session): Promise<{ session: Session; applied: boolean }>;
  list(query: SessionQuery): Promise<{ sessions: Session[]; next_cursor?: string }>;
  /** every session in pending, provisioning, running or stopping (sweeps, reconciler, resume) */
  listUnfinished(): Promise<Session[]>;
  /** ended sessions whose hold is not settled yet (their ledger was still open): the sweep settles them */
  listUnsettled(): Promise<Session[]>;
  /** frees the consumer+offer pair for a new session once this one is no longer active */
  releaseOfferLock(session: Session): Promise<void>;
  getSecret(sessionId: string): Promise<SessionSecret | undefined>;
  deleteSecret(sessionId: string): Promise<void>;
}
