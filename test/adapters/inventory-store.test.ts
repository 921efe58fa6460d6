import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/composition/dynamodb.ts';
import { chunkKey, encodeOffers, headKey, INVENTORY_PK } from '../../shared/adapters/dynamodb/inventory-layout.ts';
import { DynamoInventoryReader } from '../../shared/adapters/dynamodb/inventory-store.ts';
import { DynamoInventoryWriter } from '../../shared/adapters/dynamodb/inventory-writer.ts';
import type { StoredOffer } from '../../shared/domain/inventory-snapshot.ts';
import type { Offer } from '../../shared/domain/offer.ts';
import { cleanOffers } from '../../shared/use-cases/refresh-inventory.ts';
import { countRequests } from '../support/counting-client.ts';
import { manyOffers, offer } from '../support/inventory-fixtures.ts';
import { freshTable } from '../support/table.ts';

let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('inventory-store');
});

const stored = (offers: Offer[]): StoredOffer[] => cleanOffers(offers, offers[0]?.provider ?? 'vastai').offers;
const at = (minute: number) => new Date(Date.parse('2026-11-28T12:00:00Z') + minute * 60_000);

function fresh() {
  const { db, tableName } = table;
  return { writer: new DynamoInventoryWriter(db, tableName), reader: new DynamoInventoryReader(db, tableName) };
}

describe('DynamoDB inventory snapshots', () => {
  it('stores a provider snapshot and reads it back intact', async () => {
    const { writer, reader } = fresh();
    const offers = stored([
      offer({ id: 'tensordock-a', provider: 'tensordock', cuda_version: 12.2, host_id: 'tensordock-h1' }),
      offer({ id: 'tensordock-b', provider: 'tensordock', location: 'Chubbuck, Idaho, United States' }),
    ]);
    const result = await writer.publish('tensordock', offers, at(0));
    expect(result).toMatchObject({ outcome: 'written', writeRequests: 3 });
    const snap = (await reader.snapshots()).find((s) => s.head.provider === 'tensordock')!;
    expect(snap.head).toMatchObject({ version: 1, status: 'ok', offer_count: 2, chunk_count: 1, fetched_at: at(0).toISOString() });
    expect(snap.offers).toEqual(offers);
  });

  it('writes 10,000 offers in a handful of requests, and an unchanged refresh as one small head update', async () => {
    const { db, tableName } = await freshTable('inventory-cost');
    const counts = countRequests(db);
    const writer = new DynamoInventoryWriter(db, tableName);
    const offers = stored(manyOffers(10_000));

    const first = await writer.publish('vastai', offers, at(0));
    expect(first.outcome).toBe('written');
    expect(counts.writes).toBeLessThan(50);
    expect(first.writeRequests).toBe(counts.writes);
    const writtenFirst = counts.writes;

    // the same offers in another order, fetched a minute later: no content written, only the confirmation time
    counts.reset();
    const again = await writer.publish('vastai', [...offers].reverse(), at(1));
    expect(again).toMatchObject({ outcome: 'unchanged', writeRequests: 1 });
    expect(counts.writes).toBe(1);
    expect(counts.byCommand['UpdateCommand']).toBe(1);
    expect(again.head).toMatchObject({ version: 1, fetched_at: at(1).toISOString(), written_at: at(0).toISOString() });

    // one price changes: a new version, still a handful of writes
    counts.reset();
    const changed = offers.map((o, i) => (i === 4321 ? { ...o, price_per_hour: o.price_per_hour + 0.01 } : o));
    const third = await writer.publish('vastai', changed, at(2));
    expect(third).toMatchObject({ outcome: 'written', head: { version: 2 } });
    expect(counts.writes).toBeLessThan(50);

    // every item stays well under DynamoDB's 400 KB item limit
    const { Items } = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': INVENTORY_PK },
      }),
    );
    // one head and the chunks of the two slots: never one item per offer
    expect(Items).toHaveLength(1 + first.head!.chunk_count + third.head!.chunk_count);
    for (const item of Items ?? []) {
      const size = Buffer.byteLength(JSON.stringify({ ...item, data: undefined })) + ((item['data'] as Uint8Array)?.length ?? 0);
      expect(size).toBeLessThan(300 * 1024);
    }
    const reader = new DynamoInventoryReader(db, tableName);
    const [snap] = await reader.snapshots();
    expect(snap!.offers).toHaveLength(10_000);
    expect(snap!.offers.find((o) => o.id === changed[4321]!.id)!.price_per_hour).toBe(changed[4321]!.price_per_hour);
    // reported for the record: requests for the first write and for a change
    expect(writtenFirst).toBeGreaterThan(1);
  });

  it('a second reader (another process) sees a new snapshot, and reloads only when the version changed', async () => {
    const { db, tableName } = await freshTable('inventory-version');
    const writer = new DynamoInventoryWriter(db, tableName);
    const processA = new DynamoInventoryReader(db, tableName);
    const processB = new DynamoInventoryReader(db, tableName);

    await writer.publish('vastai', stored([offer({ id: 'vastai-1' })]), at(0));
    expect((await processA.snapshots())[0]!.offers.map((o) => o.id)).toEqual(['vastai-1']);
    expect((await processB.snapshots())[0]!.offers.map((o) => o.id)).toEqual(['vastai-1']);

    await writer.publish('vastai', stored([offer({ id: 'vastai-1' }), offer({ id: 'vastai-2' })]), at(1));
    expect((await processB.snapshots())[0]!.offers.map((o) => o.id)).toEqual(['vastai-1', 'vastai-2']);
    expect(processB.stats).toEqual({ headReads: 2, reloads: 2 });

    // unchanged content: the head is checked, the chunks are not read again, the new confirmation time shows
    await writer.publish('vastai', stored([offer({ id: 'vastai-2' }), offer({ id: 'vastai-1' })]), at(2));
    const [snap] = await processB.snapshots();
    expect(snap!.head.fetched_at).toBe(at(2).toISOString());
    expect(processB.stats).toEqual({ headReads: 3, reloads: 2 });

    expect((await processA.snapshots())[0]!.offers).toHaveLength(2);
  });

  it('concurrent reads in one process share one head check and one reload', async () => {
    const { db, tableName } = await freshTable('inventory-share');
    await new DynamoInventoryWriter(db, tableName).publish('vastai', stored(manyOffers(2000)), at(0));
    const readerDb = createDocumentClient(table.endpoint);
    const counts = countRequests(readerDb);
    const reader = new DynamoInventoryReader(readerDb, tableName);
    const all = await Promise.all(Array.from({ length: 8 }, () => reader.snapshots()));
    expect(new Set(all).size).toBe(1);
    expect(all[0]![0]!.offers).toHaveLength(2000);
    expect(reader.stats).toEqual({ headReads: 1, reloads: 1 });
    // one head query and one chunk query
    expect(counts.byCommand['QueryCommand']).toBe(2);
  });

  it('a failed refresh keeps the last good snapshot (stale) and never touches another provider', async () => {
    const { db, tableName } = await freshTable('inventory-failure');
    const writer = new DynamoInventoryWriter(db, tableName);
    await writer.publish('vastai', stored([offer({ id: 'vastai-1' })]), at(0));
    await writer.publish('tensordock', stored([offer({ id: 'tensordock-a', provider: 'tensordock' })]), at(0));
    const reader = new DynamoInventoryReader(db, tableName);
    const before = (await reader.snapshots()).find((s) => s.head.provider === 'tensordock')!;

    const failed = await writer.recordFailure('vastai', 'ProviderUnavailableError: 503 (attempt 2 of 2)', at(1));
    expect(failed).toMatchObject({ writeRequests: 1, head: { status: 'stale', version: 1 } });

    const after = await reader.snapshots();
    const vast = after.find((s) => s.head.provider === 'vastai')!;
    expect(vast.head).toMatchObject({
      status: 'stale',
      fetched_at: at(0).toISOString(),
      last_error: 'ProviderUnavailableError: 503 (attempt 2 of 2)',
      last_error_at: at(1).toISOString(),
    });
    expect(vast.offers.map((o) => o.id)).toEqual(['vastai-1']);
    expect(after.find((s) => s.head.provider === 'tensordock')).toEqual(before);

    // a provider that never had a snapshot is in error
    const { db: db2, tableName: t2 } = await freshTable('inventory-never');
    const none = await new DynamoInventoryWriter(db2, t2).recordFailure('vastai', 'ProviderAuthError: 401', at(0));
    expect(none.head).toMatchObject({ status: 'error', version: 0, last_error: 'ProviderAuthError: 401' });
    const [empty] = await new DynamoInventoryReader(db2, t2).snapshots();
    expect(empty!.offers).toEqual([]);
  });

  it('alternates slots and deletes the surplus chunks of a snapshot that shrank', async () => {
    const { db, tableName } = await freshTable('inventory-slots');
    const writer = new DynamoInventoryWriter(db, tableName, { chunkBytes: 500 });
    const big = stored(manyOffers(300));
    await writer.publish('vastai', big, at(0)); // v1 → slot 1
    await writer.publish('vastai', big.slice(1), at(1)); // v2 → slot 0
    const chunksOf = async (slot: number) =>
      (await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': INVENTORY_PK, ':p': `CHUNK#vastai#${slot}#` },
        }),
      )).Items ?? [];
    const slot1Before = (await chunksOf(1)).length;
    expect(slot1Before).toBeGreaterThan(3);
    const small = await writer.publish('vastai', big.slice(0, 5), at(2)); // v3 → slot 1, one chunk
    expect(small.head).toMatchObject({ version: 3, chunk_count: 1 });
    expect(small.writeRequests).toBe(1 + 1 + 1 + (slot1Before - 1));
    expect(await chunksOf(1)).toHaveLength(1);
    const [snap] = await new DynamoInventoryReader(db, tableName).snapshots();
    expect(snap!.offers).toHaveLength(5);
  });

  it('lets only one of two overlapping refreshes write a provider snapshot', async () => {
    const { db, tableName, endpoint } = await freshTable('inventory-lease');
    // refresh A is held inside its chunk writes until refresh B has finished
    const slowDb = createDocumentClient(endpoint);
    let blocked!: () => void;
    const aIsWriting = new Promise<void>((r) => {
      blocked = r;
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const send = slowDb.send.bind(slowDb) as (c: unknown) => Promise<unknown>;
    (slowDb as unknown as { send: typeof send }).send = async (command) => {
      const input = (command as { input?: { Item?: { sk?: string } } }).input;
      if (input?.Item?.sk?.startsWith('CHUNK#')) {
        blocked();
        await gate;
      }
      return send(command);
    };
    const a = new DynamoInventoryWriter(slowDb, tableName);
    const b = new DynamoInventoryWriter(db, tableName);
    const contentA = stored(manyOffers(200, 'vastai', 1));
    const contentB = stored(manyOffers(200, 'vastai', 2));

    const publishingA = a.publish('vastai', contentA, at(0));
    await aIsWriting;
    expect(await b.publish('vastai', contentB, at(0))).toMatchObject({ outcome: 'busy' });
    release();
    expect(await publishingA).toMatchObject({ outcome: 'written', head: { version: 1 } });

    const [snap] = await new DynamoInventoryReader(db, tableName).snapshots();
    expect(snap!.offers).toEqual(contentA);
    // the lease is gone once A is done: the next refresh writes normally
    expect(await b.publish('vastai', contentB, at(1))).toMatchObject({ outcome: 'written', head: { version: 2 } });
  });

  it('keeps serving its copy when a newer snapshot cannot be read; a fresh process serves nothing for it', async () => {
    const { db, tableName } = await freshTable('inventory-corrupt');
    const writer = new DynamoInventoryWriter(db, tableName);
    await writer.publish('vastai', stored([offer({ id: 'vastai-1' })]), at(0));
    const warm = new DynamoInventoryReader(db, tableName);
    expect((await warm.snapshots())[0]!.offers).toHaveLength(1);

    // a head for version 2 whose chunk belongs to other content (what an interrupted overlapping write leaves)
    const other = await encodeOffers(stored([offer({ id: 'vastai-2' })]));
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...chunkKey('vastai', 0, 0), provider: 'vastai', version: 2, hash: 'not-this-one', index: 0, data: other.chunks[0] },
      }),
    );
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...headKey('vastai'),
          provider: 'vastai',
          version: 2,
          hash: other.hash,
          slot: 0,
          chunk_count: 1,
          offer_count: 1,
          fetched_at: at(1).toISOString(),
          checked_at: at(1).toISOString(),
          status: 'ok',
          created_at: at(0).toISOString(),
        },
      }),
    );
    const [kept] = await warm.snapshots();
    expect(kept!.offers.map((o) => o.id)).toEqual(['vastai-1']);
    expect(kept!.head.version).toBe(1);
    const [cold] = await new DynamoInventoryReader(db, tableName).snapshots();
    expect(cold!.offers).toEqual([]);
    expect(cold!.head).toMatchObject({ version: 0, last_error: 'inventory snapshot could not be read' });
  });
});
