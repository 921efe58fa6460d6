// The shared pacing ledger in DynamoDB Local: limiters in separate objects and clients (as separate execution
// environments would hold them) share one queue per endpoint and never hand out two slots closer than the interval.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/composition/dynamodb.ts';
import { DynamoSlotLedger, PACING_PK_PREFIX, PACING_SK } from '../../shared/adapters/dynamodb/pacing-ledger.ts';
import { Pacer } from '../../shared/adapters/providers/pacer.ts';
import { ProviderPacingError } from '../../shared/domain/provider-errors.ts';
import { freshTable } from '../support/table.ts';

describe('DynamoDB pacing ledger', () => {
  it('N concurrent environments never get two slots closer than the interval', { timeout: 60_000 }, async () => {
    const { endpoint, tableName } = await freshTable('pacing');
    const interval = 40;
    const now = Date.now();
    // 12 environments, each with its own client and ledger, reserving 5 slots each at the same moment
    const environments = Array.from({ length: 12 }, () => new DynamoSlotLedger(createDocumentClient(endpoint), tableName));
    const slots = (
      await Promise.all(
        environments.map(async (ledger) => {
          const mine: number[] = [];
          for (let i = 0; i < 5; i++) {
            const d = await ledger.reserve('vastai#create#abc', { now, intervalMs: interval, maxWaitMs: 60_000 });
            if (d.kind !== 'slot') throw new Error('refused');
            mine.push(d.at);
          }
          return mine;
        }),
      )
    ).flat();
    slots.sort((a, b) => a - b);
    expect(slots).toHaveLength(60);
    expect(slots[0]).toBe(now);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(interval);
    // in arrival order with no gaps: the queue is exactly 60 intervals long
    expect(slots.at(-1)! - slots[0]!).toBe(59 * interval);
  });

  it('turns a caller away beyond its bound without reserving, and counts what pacing cost', async () => {
    const { db, tableName } = await freshTable('pacing-bound');
    const a = new DynamoSlotLedger(db, tableName);
    const b = new DynamoSlotLedger(db, tableName);
    const now = Date.now();
    for (let i = 0; i < 3; i++) await a.reserve('k', { now, intervalMs: 1000, maxWaitMs: 5000 });
    const refused = await b.reserve('k', { now, intervalMs: 1000, maxWaitMs: 1500 });
    expect(refused).toEqual({ kind: 'too_long', at: now + 3000, waitMs: 3000 });
    const next = await b.reserve('k', { now, intervalMs: 1000, maxWaitMs: 5000 });
    expect(next).toEqual({ kind: 'slot', at: now + 3000, next: now + 4000 });
    const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: { pk: `${PACING_PK_PREFIX}k`, sk: PACING_SK } }));
    expect(Item).toMatchObject({ next_at: now + 4000, reservations: 4, refused: 1 });
    // every attempt is a write request: reservations + failed conditional writes (the refusal was one)
    expect(Item!['failed_writes']).toBeGreaterThanOrEqual(1);
    expect(Item!['ttl']).toBeGreaterThan(now / 1000);
  });

  it('a 429 in one environment closes the endpoint for the others; the item holds no credential', async () => {
    const { endpoint, db, tableName } = await freshTable('pacing-penalty');
    const credential = 'vast-key-that-must-not-be-stored';
    const sleeps: number[] = [];
    // one instant for every environment: the figures do not depend on how fast DynamoDB Local answers
    const T = Date.now();
    const pacer = (ledger: DynamoSlotLedger) =>
      new Pacer({
        provider: 'vastai',
        credential,
        ledger,
        scale: 0.1,
        marginMs: 0,
        now: () => T + sleeps.reduce((a, b) => a + b, 0),
        sleep: async (ms) => void sleeps.push(ms),
      });
    const a = pacer(new DynamoSlotLedger(db, tableName));
    await a.penalize('create instance');
    await pacer(new DynamoSlotLedger(createDocumentClient(endpoint), tableName)).acquire('create instance');
    // the penalty, 12 s × 0.1
    expect(sleeps).toEqual([1200]);
    const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: { pk: `${PACING_PK_PREFIX}${a.keyFor('create instance')}`, sk: PACING_SK } }));
    expect(Item).toMatchObject({ penalties: 1, reservations: 1 });
    expect(JSON.stringify(Item)).not.toContain(credential);
  });

  it('a queue longer than the bound surfaces as ProviderPacingError from every environment', { timeout: 60_000 }, async () => {
    const { endpoint, tableName } = await freshTable('pacing-refuse');
    const T = Date.now();
    const make = () =>
      new Pacer({ provider: 'tensordock', credential: 't', ledger: new DynamoSlotLedger(createDocumentClient(endpoint), tableName), now: () => T, sleep: async () => {} });
    // 20 s bound at 618 ms per request: the 34th environment's turn is 20.4 s away
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => make().acquire('get instance')));
    const refused = results.filter((r) => r.status === 'rejected');
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ProviderPacingError);
    // slots 0, 618, …, 32 × 618 = 19.8 s fit the bound; the other 7 are refused without reserving
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(33);
    expect(refused).toHaveLength(7);
  });
});

describe('DynamoDB pacing ledger, a 429 behind a long queue', () => {
  it('marks the endpoint closed even when the queue already reaches past the penalty', async () => {
    const { db, tableName } = await freshTable('pacing-queue-429');
    const ledger = new DynamoSlotLedger(db, tableName);
    const now = Date.now();
    for (let i = 0; i < 10; i++) await ledger.reserve('k', { now, intervalMs: 4750, maxWaitMs: 75_000 });
    // the queue reaches 47.5 s out; a 429 now closes the endpoint for 12 s all the same
    await ledger.penalize('k', now, 12_000);
    expect(await ledger.closedUntil('k')).toBe(now + 12_000);
    const next = await ledger.reserve('k', { now, intervalMs: 4750, maxWaitMs: 75_000 });
    expect(next).toMatchObject({ kind: 'slot', at: now + 47_500 });
  });
});
