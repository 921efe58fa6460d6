import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { OFFER_HEALTH_PK, DynamoOfferHealthStore } from '../../shared/adapters/dynamodb/offer-health-store.ts';
import { assessHealth } from '../../shared/domain/offer-health.ts';
import type { OfferFailure } from '../../shared/ports/inventory.ts';
import { countRequests } from '../support/counting-client.ts';
import { ManualClock } from '../support/inventory-fixtures.ts';
import { freshTable } from '../support/table.ts';

const T0 = '2026-11-28T12:00:00.000Z';

function failureAt(clock: ManualClock, offerId: string, extra: Partial<OfferFailure> = {}): OfferFailure {
  return { offer_id: offerId, provider: 'vastai', gpu_type: 'RTX 3090', type: 'ssh_timeout', at: clock.now(), ...extra };
}

describe('DynamoDB offer health', () => {
  it('keeps every provider’s failures in one item, one write per failure', async () => {
    const { db, tableName } = await freshTable('health-items');
    const clock = new ManualClock(Date.parse(T0));
    const counts = countRequests(db);
    const store = new DynamoOfferHealthStore(db, tableName, { now: clock.now });
    for (let i = 0; i < 20; i++) {
      await store.recordFailure(failureAt(clock, `vastai-${i % 7}`, { host_id: 'vastai-machine-1' }));
      clock.advance(1000);
    }
    await store.recordFailure(failureAt(clock, 'tensordock-a', { provider: 'tensordock' }));
    expect(counts.writes).toBe(21);
    const { Items } = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': OFFER_HEALTH_PK },
      }),
    );
    expect(Items).toHaveLength(2);
    expect(await store.recentFailures()).toHaveLength(21);
  });

  it('loses no failure when many are recorded at once', async () => {
    const { db, tableName } = await freshTable('health-race');
    const clock = new ManualClock(Date.parse(T0));
    const store = new DynamoOfferHealthStore(db, tableName, { now: clock.now, maxAttempts: 30 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.recordFailure(failureAt(clock, `vastai-${i}`))));
    const ids = (await store.recentFailures()).map((f) => f.offer_id).sort();
    expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => `vastai-${i}`).sort());
  });

  it('suppresses after three failures and forgets failures as they decay (injected clock)', async () => {
    const { db, tableName } = await freshTable('health-decay');
    const clock = new ManualClock(Date.parse(T0));
    const store = new DynamoOfferHealthStore(db, tableName, { now: clock.now });
    for (let i = 0; i < 3; i++) {
      await store.recordFailure(failureAt(clock, 'vastai-1', { reason: 'no banner; key=-----BEGIN OPENSSH PRIVATE KEY-----abc' }));
      clock.advance(5 * 60_000);
    }
    let health = assessHealth(await store.recentFailures(), clock.now());
    expect(health.isSuppressed('vastai-1')).toBe(true);
    expect(health.offers()[0]!.last_failure_reason).toBe('no banner; key=[REDACTED PRIVATE KEY]');

    clock.advance(30 * 60_000); // 40 min after the third failure
    health = assessHealth(await store.recentFailures(), clock.now());
    expect(health.isSuppressed('vastai-1')).toBe(false);

    clock.advance(30 * 60_000); // more than an hour after all three
    expect(await store.recentFailures()).toEqual([]);
    // the next write prunes what decayed, so the item does not grow
    await store.recordFailure(failureAt(clock, 'vastai-2'));
    expect((await store.recentFailures()).map((f) => f.offer_id)).toEqual(['vastai-2']);
  });
});
