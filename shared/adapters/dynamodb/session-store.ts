// Sessions in the single table. One item per session (written whole, under an optimistic lock on `version`), plus:
//   OFFERLOCK#<consumer>#<offer>  — at most one active session per consumer and offer (written in the create transaction)
//   IDEMPOTENCY#<consumer>#<key>  — Idempotency-Key → session, kept a day
//   SESSION#<id> / SECRET         — the encrypted private key, deleted at teardown
//   BUDGET#<consumer> / MONTH#<m> — the month's holds: every write that changes a session's hold moves it in the
//                                   same transaction, conditioned on the budget (budget-counter.ts)
// Indexes: gsi1 by consumer, gsi2 sparse over unfinished sessions (sweeps, reconciler) and over ended ones whose hold
// is not settled yet, gsi3 all sessions by time.
import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConcurrencyError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { isActive, type Session } from '../../domain/session.ts';
import { holdChange } from '../../domain/budget-hold.ts';
import { budgetRefusal, exceedsOutright, holdItems, readLimit } from './budget-counter.ts';
import { queryAll } from './query-all.ts';
import type {
  CreateOutcome,
  NewSession,
  SessionMutation,
  SessionQuery,
  SessionSecret,
  SessionStore,
} from '../../ports/session-store.ts';

const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
const MUTATE_ATTEMPTS = 8;

const sessionKey = (id: string) => ({ pk: `SESSION#${id}`, sk: 'SESSION' });
const secretKey = (id: string) => ({ pk: `SESSION#${id}`, sk: 'SECRET' });
const lockKey = (consumerId: string, offerId: string) => ({ pk: `OFFERLOCK#${consumerId}#${offerId}`, sk: 'LOCK' });
const idempotencyKey = (consumerId: string, key: string) => ({ pk: `IDEMPOTENCY#${consumerId}#${key}`, sk: 'IDEMPOTENCY' });

const UNFINISHED = new Set(['pending', 'provisioning', 'running', 'stopping']);

const unsettled = (s: Session) => s.hold_month !== undefined && !s.hold_settled_at;

function toItem(session: Session): Record<string, unknown> {
  return {
    ...session,
    ...sessionKey(session.id),
    gsi1pk: `CONSUMER#${session.consumer_id}`,
    gsi1sk: `${session.created_at}#${session.id}`,
    ...(UNFINISHED.has(session.status)
      ? { gsi2pk: 'UNFINISHED', gsi2sk: `${session.expires_at}#${session.id}` }
      : unsettled(session)
        ? { gsi2pk: 'UNSETTLED', gsi2sk: `${session.stopped_at ?? session.created_at}#${session.id}` }
        : {}),
    gsi3pk: 'SESSIONS',
    gsi3sk: `${session.created_at}#${session.id}`,
  };
}

function fromItem(item: Record<string, unknown>): Session {
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, gsi3pk: _e, gsi3sk: _f, ...rest } = item;
  return rest as unknown as Session;
}

function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/**
 * A cursor is the last key of a page this API issued for the same index and partition. Anything else is refused
 * here: DynamoDB would answer a foreign start key with an error (a 500), or page through another partition.
 */
function decodeCursor(cursor: string | undefined, index: string, partition: string): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const fields = ['pk', 'sk', `${index}pk`, `${index}sk`];
  const k = key as Record<string, unknown> | undefined;
  const valid =
    k !== null &&
    typeof k === 'object' &&
    !Array.isArray(k) &&
    Object.keys(k).length === fields.length &&
    fields.every((f) => typeof k[f] === 'string' && (k[f] as string).length > 0 && (k[f] as string).length <= 512) &&
    /^SESSION#[0-9a-f-]{36}$/.test(k['pk'] as string) &&
    k['sk'] === 'SESSION' &&
    k[`${index}pk`] === partition;
  if (!valid) throw new ValidationError('cursor is not a cursor this API issued for this query', { field: 'cursor' });
  return k as Record<string, unknown>;
}

export class DynamoSessionStore implements SessionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<Session | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: sessionKey(id), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async create(input: NewSession): Promise<CreateOutcome> {
    for (let round = 0; round < 3; round++) {
      const outcome = await this.tryCreate(input);
      if (outcome !== 'retry') return outcome;
    }
    throw new ConcurrencyError('could not create the session: its offer lock kept changing');
  }

  private async tryCreate(input: NewSession): Promise<CreateOutcome | 'retry'> {
    const { session, secret, idempotency } = input;
    const hold = holdChange(undefined, session);
    const limit = hold ? await readLimit(this.db, this.tableName, session.consumer_id) : null;
    if (hold && limit !== null && exceedsOutright(hold, limit)) throw await budgetRefusal(this.db, this.tableName, hold, limit);
    const items = [
      {
        Put: {
          TableName: this.tableName,
          Item: toItem(session),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...lockKey(session.consumer_id, session.requested_offer_id), session_id: session.id },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      { Put: { TableName: this.tableName, Item: { ...secretKey(session.id), ...secret } } },
      ...(idempotency
        ? [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...idempotencyKey(session.consumer_id, idempotency.key),
                  session_id: session.id,
                  request_hash: idempotency.request_hash,
                  ttl: Math.floor(Date.parse(session.created_at) / 1000) + IDEMPOTENCY_TTL_SECONDS,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ]
        : []),
    ];
    const holdAt = items.length;
    try {
      await this.db.send(
        new TransactWriteCommand({ TransactItems: [...items, ...(hold ? holdItems(this.tableName, hold, limit) : [])] }),
      );
      return { kind: 'created', session };
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const reasons = (err.CancellationReasons ?? []).map((r) => r.Code);
      if (idempotency && reasons[3] === 'ConditionalCheckFailed') {
        const replay = await this.replay(session.consumer_id, idempotency.key);
        if (replay) return replay;
        return 'retry';
      }
      if (reasons[1] === 'ConditionalCheckFailed') {
        return (await this.resolveLock(session.consumer_id, session.requested_offer_id)) ?? 'retry';
      }
      if (hold && limit !== null && reasons[holdAt] === 'ConditionalCheckFailed') {
        throw await budgetRefusal(this.db, this.tableName, hold, limit);
      }
      // the budget changed since it was read: read it again
      if (hold && reasons[holdAt + 1] === 'ConditionalCheckFailed') return 'retry';
      if (reasons.some((r) => r === 'TransactionConflict')) return 'retry';
      throw err;
    }
  }

  private async replay(consumerId: string, key: string): Promise<CreateOutcome | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: idempotencyKey(consumerId, key), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const existing = await this.get(String(Item['session_id']));
    if (!existing) return undefined;
    return { kind: 'replayed', session: existing, request_hash: String(Item['request_hash']) };
  }

  /** The offer lock is held: by an active session (a duplicate), or left behind by one that ended (cleared here). */
  private async resolveLock(consumerId: string, offerId: string): Promise<CreateOutcome | undefined> {
    const key = lockKey(consumerId, offerId);
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    if (!Item) return undefined;
    const holderId = String(Item['session_id']);
    const holder = await this.get(holderId);
    if (holder && isActive(holder.status)) return { kind: 'duplicate', existing_session_id: holderId };
    await this.deleteLock(key, holderId);
    return undefined;
  }

  private async deleteLock(key: { pk: string; sk: string }, sessionId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key,
          ConditionExpression: 'session_id = :id',
          ExpressionAttributeValues: { ':id': sessionId },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async apply(id: string, mutation: SessionMutation, known?: Session): Promise<{ session: Session; applied: boolean }> {
    for (let attempt = 0; attempt < MUTATE_ATTEMPTS; attempt++) {
      const current = attempt === 0 && known?.id === id ? known : await this.get(id);
      if (!current) throw new NotFoundError(`session ${id} not found`, { session_id: id });
      const changes = mutation(current);
      if (!changes) return { session: current, applied: false };
      const next: Session = { ...current, ...changes, id: current.id, version: current.version + 1 };
      const written = await this.write(current, next);
      if (written) return { session: next, applied: true };
      await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
    }
    throw new ConcurrencyError(`session ${id} kept changing under concurrent writers`, { session_id: id });
  }

  /** false when another writer won the version (or the budget changed under a growing hold): read and try again */
  private async write(current: Session, next: Session): Promise<boolean> {
    const put = {
      TableName: this.tableName,
      Item: toItem(next),
      ConditionExpression: 'version = :v',
      ExpressionAttributeValues: { ':v': current.version },
    };
    const hold = holdChange(current, next);
    if (!hold) {
      try {
        await this.db.send(new PutCommand(put));
        return true;
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return false;
        throw err;
      }
    }
    const limit = await readLimit(this.db, this.tableName, next.consumer_id);
    if (exceedsOutright(hold, limit)) throw await budgetRefusal(this.db, this.tableName, hold, limit!);
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [{ Put: put }, ...holdItems(this.tableName, hold, limit)] }));
      return true;
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const reasons = (err.CancellationReasons ?? []).map((r) => r.Code);
      if (reasons[0] === 'ConditionalCheckFailed') return false;
      if (limit !== null && reasons[1] === 'ConditionalCheckFailed') throw await budgetRefusal(this.db, this.tableName, hold, limit);
      if (reasons.some((r) => r === 'ConditionalCheckFailed' || r === 'TransactionConflict')) return false;
      throw err;
    }
  }

  async list(query: SessionQuery): Promise<{ sessions: Session[]; next_cursor?: string }> {
    const filters: string[] = [];
    const values: Record<string, unknown> = {};
    const names: Record<string, string> = {};
    if (query.status) {
      filters.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = query.status;
    }
    if (query.provider) {
      filters.push('provider = :provider');
      values[':provider'] = query.provider;
    }
    const base: QueryCommandInput = query.consumer_id
      ? {
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': `CONSUMER#${query.consumer_id}`, ...values },
        }
      : {
          TableName: this.tableName,
          IndexName: 'gsi3',
          KeyConditionExpression: 'gsi3pk = :pk',
          ExpressionAttributeValues: { ':pk': 'SESSIONS', ...values },
        };
    if (filters.length) base.FilterExpression = filters.join(' AND ');
    if (Object.keys(names).length) base.ExpressionAttributeNames = names;

    const sessions: Session[] = [];
    const index = query.consumer_id ? 'gsi1' : 'gsi3';
    let startKey = decodeCursor(query.cursor, index, String(base.ExpressionAttributeValues![':pk']));
    // filters apply after Limit, so keep reading pages until the page is full or the index is exhausted
    do {
      const page = await this.db.send(
        new QueryCommand({
          ...base,
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
          Limit: query.limit - sessions.length + (filters.length ? 50 : 0),
        }),
      );
      for (const item of page.Items ?? []) {
        if (sessions.length < query.limit) sessions.push(fromItem(item));
      }
      startKey = page.LastEvaluatedKey;
      if (sessions.length >= query.limit) {
        const last = sessions.at(-1)!;
        const lastItem = toItem(last);
        startKey = {
          pk: lastItem['pk'],
          sk: lastItem['sk'],
          [`${index}pk`]: lastItem[`${index}pk`],
          [`${index}sk`]: lastItem[`${index}sk`],
        };
        break;
      }
    } while (startKey);
    return { sessions, next_cursor: encodeCursor(startKey) };
  }

  async listUnfinished(): Promise<Session[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': 'UNFINISHED' },
    });
    return items.map(fromItem);
  }

  async listUnsettled(): Promise<Session[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': 'UNSETTLED' },
    });
    return items.map(fromItem);
  }

  async releaseOfferLock(session: Session): Promise<void> {
    await this.deleteLock(lockKey(session.consumer_id, session.requested_offer_id), session.id);
  }

  async getSecret(sessionId: string): Promise<SessionSecret | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: secretKey(sessionId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      session_id: String(Item['session_id']),
      private_key_ciphertext: String(Item['private_key_ciphertext']),
      public_keys: (Item['public_keys'] as string[]) ?? [],
    };
  }

  async deleteSecret(sessionId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: secretKey(sessionId) }));
  }
}
