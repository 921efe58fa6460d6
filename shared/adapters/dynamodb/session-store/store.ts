// Sessions in the single table. One item per session (written whole, under an optimistic lock on `version`), plus:
//   OFFERLOCK#<consumer>#<offer>  — at most one active session per consumer and offer (offer-locks.ts)
//   IDEMPOTENCY#<consumer>#<key>  — Idempotency-Key → session, kept a day (idempotency.ts)
//   SESSION#<id> / SECRET         — the encrypted private key, deleted at teardown (secrets.ts)
//   BUDGET#<consumer> / MONTH#<m> — the month's holds: every write that changes a session's hold moves it in the
//                                   same transaction, conditioned on the budget (../budget-counter.ts)
// The item and its indexes are session-item.ts; listing cursors cursor.ts.
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConcurrencyError, NotFoundError } from '../../../domain/errors.ts';
import { isActive, type Session } from '../../../domain/session.ts';
import { holdChange } from '../../../domain/budget-hold.ts';
import type {
  CreateOutcome,
  NewSession,
  SessionMutation,
  SessionQuery,
  SessionSecret,
  SessionStore,
} from '../../../ports/session-store.ts';
import { budgetRefusal, exceedsOutright, holdItems, readLimit } from '../budget-counter.ts';
import { queryAll } from '../query-all.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { idempotencyItem, readIdempotency } from './idempotency.ts';
import { deleteLock, lockHolder, lockItem, lockKey } from './offer-locks.ts';
import { deleteSecret, readSecret, secretItem } from './secrets.ts';
import { fromItem, sessionKey, toItem } from './session-item.ts';

const MUTATE_ATTEMPTS = 8;

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
          Item: lockItem(session.consumer_id, session.requested_offer_id, session.id),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      { Put: { TableName: this.tableName, Item: secretItem(session.id, secret) } },
      ...(idempotency
        ? [
            {
              Put: {
                TableName: this.tableName,
                Item: idempotencyItem(session.consumer_id, idempotency, session.id, session.created_at),
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
    const used = await readIdempotency(this.db, this.tableName, consumerId, key);
    if (!used) return undefined;
    const existing = await this.get(used.session_id);
    if (!existing) return undefined;
    return { kind: 'replayed', session: existing, request_hash: used.request_hash };
  }

  /** The offer lock is held: by an active session (a duplicate), or left behind by one that ended (cleared here). */
  private async resolveLock(consumerId: string, offerId: string): Promise<CreateOutcome | undefined> {
    const key = lockKey(consumerId, offerId);
    const holderId = await lockHolder(this.db, this.tableName, key);
    if (holderId === undefined) return undefined;
    const holder = await this.get(holderId);
    if (holder && isActive(holder.status)) return { kind: 'duplicate', existing_session_id: holderId };
    await deleteLock(this.db, this.tableName, key, holderId);
    return undefined;
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
    await deleteLock(this.db, this.tableName, lockKey(session.consumer_id, session.requested_offer_id), session.id);
  }

  getSecret(sessionId: string): Promise<SessionSecret | undefined> {
    return readSecret(this.db, this.tableName, sessionId);
  }

  deleteSecret(sessionId: string): Promise<void> {
    return deleteSecret(this.db, this.tableName, sessionId);
  }
}
