// An in-memory SessionStore with the DynamoDB adapter's semantics (test/contracts/session-store-contract.ts holds both
// to them): whole-session writes under a version lock, a mutation run again after a lost race, one active session per
// consumer and offer, Idempotency-Key replays, holds moved against the budget in the same write, the same listing
// order and cursors. Stored as JSON, as the table stores it: undefined fields are dropped, nothing is shared.
import { holdChange } from '../../shared/domain/budget-hold.ts';
import { ConcurrencyError, NotFoundError } from '../../shared/domain/errors.ts';
import { isActive, type Session } from '../../shared/domain/session.ts';
import type {
  CreateOutcome,
  NewSession,
  SessionMutation,
  SessionQuery,
  SessionSecret,
  SessionStore,
} from '../../shared/ports/session-store.ts';
import { decodeCursor, encodeCursor } from '../../shared/adapters/dynamodb/session-store/cursor.ts';
import { toItem } from '../../shared/adapters/dynamodb/session-store/session-item.ts';
import { MemoryBudgets } from './memory-budgets.ts';

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly secrets = new Map<string, SessionSecret>();
  /** consumer#offer → session id */
  private readonly locks = new Map<string, string>();
  /** consumer#key → the session and request hash */
  private readonly idempotency = new Map<string, { session_id: string; request_hash: string }>();

  constructor(readonly budgets = new MemoryBudgets()) {}

  async get(id: string): Promise<Session | undefined> {
    const s = this.sessions.get(id);
    return s ? copy(s) : undefined;
  }

  async create(input: NewSession): Promise<CreateOutcome> {
    const { session, secret, idempotency } = input;
    for (let round = 0; round < 3; round++) {
      if (idempotency) {
        const used = this.idempotency.get(`${session.consumer_id}#${idempotency.key}`);
        if (used) {
          const existing = await this.get(used.session_id);
          if (existing) return { kind: 'replayed', session: existing, request_hash: used.request_hash };
          continue;
        }
      }
      const lock = `${session.consumer_id}#${session.requested_offer_id}`;
      const holderId = this.locks.get(lock);
      if (holderId !== undefined) {
        const holder = this.sessions.get(holderId);
        if (holder && isActive(holder.status)) return { kind: 'duplicate', existing_session_id: holderId };
        this.locks.delete(lock);
        continue;
      }
      if (this.sessions.has(session.id)) throw new Error(`session ${session.id} exists`);
      const hold = holdChange(undefined, session);
      if (hold) this.budgets.move(hold);
      this.sessions.set(session.id, copy(session));
      this.locks.set(lock, session.id);
      this.secrets.set(session.id, copy(secret));
      if (idempotency) {
        this.idempotency.set(`${session.consumer_id}#${idempotency.key}`, {
          session_id: session.id,
          request_hash: idempotency.request_hash,
        });
      }
      return { kind: 'created', session };
    }
    throw new ConcurrencyError('could not create the session: its offer lock kept changing');
  }

  async apply(id: string, mutation: SessionMutation, known?: Session): Promise<{ session: Session; applied: boolean }> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const current = attempt === 0 && known?.id === id ? copy(known) : await this.get(id);
      if (!current) throw new NotFoundError(`session ${id} not found`, { session_id: id });
      const changes = mutation(current);
      if (!changes) return { session: current, applied: false };
      const next: Session = copy({ ...current, ...changes, id: current.id, version: current.version + 1 });
      // the version lock: a stale `known` loses, and the mutation runs again on the stored session
      if (this.sessions.get(id)?.version !== current.version) continue;
      const hold = holdChange(current, next);
      if (hold) this.budgets.move(hold);
      this.sessions.set(id, next);
      return { session: copy(next), applied: true };
    }
    throw new ConcurrencyError(`session ${id} kept changing under concurrent writers`, { session_id: id });
  }

  async list(query: SessionQuery): Promise<{ sessions: Session[]; next_cursor?: string }> {
    const index = query.consumer_id ? 'gsi1' : 'gsi3';
    const partition = query.consumer_id ? `CONSUMER#${query.consumer_id}` : 'SESSIONS';
    const after = decodeCursor(query.cursor, index, partition);
    const items = [...this.sessions.values()]
      .map(toItem)
      .filter((i) => i[`${index}pk`] === partition)
      .sort((a, b) => String(b[`${index}sk`]).localeCompare(String(a[`${index}sk`])))
      .filter((i) => after === undefined || String(i[`${index}sk`]) < String(after[`${index}sk`]));
    const sessions = [...this.sessions.values()];
    const page = items
      .map((i) => sessions.find((s) => s.id === (i['id'] as string))!)
      .filter((s) => (!query.status || s.status === query.status) && (!query.provider || s.provider === query.provider))
      .slice(0, query.limit);
    const last = page.length >= query.limit ? toItem(page.at(-1)!) : undefined;
    return {
      sessions: page.map(copy),
      next_cursor: encodeCursor(
        last && { pk: last['pk'], sk: last['sk'], [`${index}pk`]: last[`${index}pk`], [`${index}sk`]: last[`${index}sk`] },
      ),
    };
  }

  async listUnfinished(): Promise<Session[]> {
    return this.byGsi2('UNFINISHED');
  }

  async listUnsettled(): Promise<Session[]> {
    return this.byGsi2('UNSETTLED');
  }

  private byGsi2(partition: string): Session[] {
    return [...this.sessions.values()]
      .map((s) => ({ s, item: toItem(s) }))
      .filter(({ item }) => item['gsi2pk'] === partition)
      .sort((a, b) => String(a.item['gsi2sk']).localeCompare(String(b.item['gsi2sk'])))
      .map(({ s }) => copy(s));
  }

  async releaseOfferLock(session: Session): Promise<void> {
    const lock = `${session.consumer_id}#${session.requested_offer_id}`;
    if (this.locks.get(lock) === session.id) this.locks.delete(lock);
  }

  async getSecret(sessionId: string): Promise<SessionSecret | undefined> {
    const secret = this.secrets.get(sessionId);
    return secret ? copy(secret) : undefined;
  }

  async deleteSecret(sessionId: string): Promise<void> {
    this.secrets.delete(sessionId);
  }
}
