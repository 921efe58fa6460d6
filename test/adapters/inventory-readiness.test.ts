import { describe, expect, it } from 'vitest';
import { DynamoInventoryReader } from '../../shared/adapters/dynamodb/inventory-store.ts';
import { DynamoInventoryWriter } from '../../shared/adapters/dynamodb/inventory-writer.ts';
import { InventoryReadiness } from '../../shared/use-cases/inventory-readiness.ts';
import { offer } from '../support/inventory-fixtures.ts';
import { freshTable } from '../support/table.ts';

describe('inventory readiness', () => {
  it('is not ready until one provider has a snapshot, and says why', async () => {
    const { db, tableName } = await freshTable('readiness');
    const writer = new DynamoInventoryWriter(db, tableName);
    const check = new InventoryReadiness(new DynamoInventoryReader(db, tableName));
    expect(await check.check()).toBe('no inventory snapshot yet');

    await writer.recordFailure('tensordock', 'ProviderUnavailableError: 503', new Date());
    expect(await check.check()).toBe('no inventory snapshot yet (tensordock: ProviderUnavailableError: 503)');

    const { fetched_at: _f, ...stored } = offer({ id: 'vastai-1' });
    await writer.publish('vastai', [stored], new Date());
    expect(await check.check()).toBeUndefined();
  });
});
