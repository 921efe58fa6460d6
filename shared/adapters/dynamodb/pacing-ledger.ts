// The shared pacing ledger: one item per limiter (pk PACING#<provider>#<endpoint>#<credential tag>, sk PACING) with
// the next free slot `next_at` (epoch ms). A reservation is one conditional UpdateItem that moves next_at one
// interval on, so every execution environment shares one queue per endpoint and two slots are never closer than
// the interval. The credential itself is never stored: the key carries a short one-way tag of it.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrencyError } from '../../domain/errors.ts';
import type { SlotDecision, SlotRequest } from '../../domain/pacing.ts';
import type { SlotLedger } from '../providers/pacer.ts';

export const PACING_PK_PREFIX = 'PACING#';
export const PACING_SK = 'PACING';
/** an idle limiter's item expires a day after its last slot (TTL), so old credentials leave no items behind */
const IDLE_TTL_S = 24 * 3600;
/** the two cases can race each other (idle ↔ queued) a few times under a burst, never for long */
const MAX_TRIES = 6;

const keyOf = (key: string) => ({ pk: `${PACING_PK_PREFIX}${key}`, sk: PACING_SK });

/** next_at as the failed condition's ALL_OLD item shows it (raw attribute values on the error). */
function nextAtOf(item: unknown): number | undefined {
  const raw = (item as Record<string, unknown> | undefined)?.['next_at'];
  if (typeof raw === 'number') return raw;
  const n = (raw as { N?: string } | undefined)?.N;
  return n === undefined ? undefined : Number(n);
}

export class DynamoSlotLedger implements SlotLedger {
  /** the limiter's next_at as last seen: says which of the two updates to try first */
  private readonly lastSeen = new Map<string, number>();
  /** conditional writes that failed and slots refused since the last successful write, per key (cost accounting) */
  private readonly unrecorded = new Map<string, { failed: number; refused: number }>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async reserve(key: string, request: SlotRequest): Promise<SlotDecision> {
    const { now, intervalMs, maxWaitMs } = request;
    let idle = (this.lastSeen.get(key) ?? 0) < now;
    for (let i = 0; i < MAX_TRIES; i++) {
      const tally = this.tally(key);
      const common = {
        ':now': now,
        ':one': 1,
        ':failed': tally.failed,
        ':refused': tally.refused,
      };
      try {
        const out = await this.db.send(
          new UpdateCommand(
            idle
              ? {
                  // idle limiter: the slot is now
                  TableName: this.tableName,
                  Key: keyOf(key),
                  UpdateExpression:
                    'SET next_at = :next, #ttl = :ttl ADD reservations :one, failed_writes :failed, refused :refused',
                  ConditionExpression: 'attribute_not_exists(next_at) OR next_at < :now',
                  ExpressionAttributeNames: { '#ttl': 'ttl' },
                  ExpressionAttributeValues: {
                    ...common,
                    ':next': now + intervalMs,
                    ':ttl': Math.ceil((now + intervalMs) / 1000) + IDLE_TTL_S,
                  },
                  ReturnValues: 'UPDATED_NEW',
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                }
              : {
                  // queued: take next_at itself, within the caller's bound
                  TableName: this.tableName,
                  Key: keyOf(key),
                  UpdateExpression:
                    'SET next_at = next_at + :i, #ttl = :ttl ADD reservations :one, failed_writes :failed, refused :refused',
                  ConditionExpression: 'next_at BETWEEN :now AND :latest',
                  ExpressionAttributeNames: { '#ttl': 'ttl' },
                  ExpressionAttributeValues: {
                    ...common,
                    ':i': intervalMs,
                    ':latest': now + maxWaitMs,
                    ':ttl': Math.ceil((now + maxWaitMs + intervalMs) / 1000) + IDLE_TTL_S,
                  },
                  ReturnValues: 'UPDATED_NEW',
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
          ),
        );
        this.unrecorded.delete(key);
        const next = Number(out.Attributes?.['next_at']);
        this.lastSeen.set(key, next);
        return { kind: 'slot', at: next - intervalMs, next };
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        tally.failed += 1;
        const current = nextAtOf(err.Item);
        if (current === undefined || current < now) {
          idle = true;
          continue;
        }
        this.lastSeen.set(key, current);
        if (current - now > maxWaitMs) {
          tally.refused += 1;
          return { kind: 'too_long', at: current, waitMs: current - now };
        }
        idle = false;
      }
    }
    throw new ConcurrencyError('pacing: the limiter kept changing under the reservation', { limiter: key.split('#').slice(0, 2).join('#') });
  }

  async penalize(key: string, now: number, closedForMs: number): Promise<void> {
    const until = now + closedForMs;
    const ttl = Math.ceil(until / 1000) + IDLE_TTL_S;
    // Two conditional writes (a 429 is rare): the endpoint is closed until `until` even when the queue already
    // reaches further, so slots reserved before the 429 and falling inside the penalty are not used (closedUntil).
    await this.ifNewer({
      UpdateExpression: 'SET closed_until = :until, #ttl = :ttl ADD penalties :one',
      ConditionExpression: 'attribute_not_exists(closed_until) OR closed_until < :until',
      key,
      values: { ':until': until, ':one': 1, ':ttl': ttl },
    });
    // and nobody reserves a slot inside it
    await this.ifNewer({
      UpdateExpression: 'SET next_at = :until, #ttl = :ttl',
      ConditionExpression: 'attribute_not_exists(next_at) OR next_at < :until',
      key,
      values: { ':until': until, ':ttl': ttl },
    });
    this.lastSeen.set(key, Math.max(this.lastSeen.get(key) ?? 0, until));
  }

  private async ifNewer(u: { UpdateExpression: string; ConditionExpression: string; key: string; values: Record<string, number> }) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(u.key),
          UpdateExpression: u.UpdateExpression,
          ConditionExpression: u.ConditionExpression,
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: u.values,
        }),
      );
    } catch (err) {
      // already closed, or queued, for longer: nothing to move
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      this.tally(u.key).failed += 1;
    }
  }

  async closedUntil(key: string): Promise<number | undefined> {
    // eventually consistent: a penalty is seen within a second, at half the price of a strong read
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keyOf(key), ProjectionExpression: 'closed_until' }),
    );
    const value = Item?.['closed_until'];
    return typeof value === 'number' ? value : undefined;
  }

  private tally(key: string): { failed: number; refused: number } {
    let tally = this.unrecorded.get(key);
    if (!tally) {
      tally = { failed: 0, refused: 0 };
      this.unrecorded.set(key, tally);
    }
    return tally;
  }
}
