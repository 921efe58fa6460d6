import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeHandler } from '../../functions/scheduled/refresh-inventory-handler.ts';
import { DynamoInventoryWriter } from '../../shared/adapters/dynamodb/inventory-writer.ts';
import { ProviderUnavailableError } from '../../shared/domain/provider-errors.ts';
import { INVENTORY_METRICS } from '../../shared/observability/inventory-metrics.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/powertools.ts';
import { FakeProvider, fakeRegistry, ManualClock, manyOffers } from '../support/inventory-fixtures.ts';
import { lambdaContext } from '../support/http.ts';
import { freshTable } from '../support/table.ts';

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

function captureEmf() {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return {
    records: () =>
      lines
        .flatMap((l) => l.split('\n'))
        .filter((l) => l.includes('"_aws"'))
        .map((l) => JSON.parse(l) as Emf),
    restore: () => spy.mockRestore(),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the RefreshInventory function', () => {
  it('stores each provider and emits one EMF record per provider, as the stale alarms expect', async () => {
    const { db, tableName } = await freshTable('refresh-handler');
    const clock = new ManualClock(Date.parse('2026-11-28T12:00:00Z'));
    const handler = makeHandler({
      registry: fakeRegistry(
        new FakeProvider('vastai', manyOffers(50)),
        new FakeProvider('tensordock', new ProviderUnavailableError('tensordock answered 502')),
      ),
      store: new DynamoInventoryWriter(db, tableName),
      now: clock.now,
      sleep: async () => undefined,
      options: { timeoutMs: 5000, attempts: 2, backoffMs: 0, maxAgeSeconds: 600 },
    });

    const emf = captureEmf();
    let summary: Awaited<ReturnType<typeof handler>>;
    try {
      summary = await handler({} as never, lambdaContext);
    } finally {
      emf.restore();
    }
    expect(summary.providers).toEqual([
      { provider: 'vastai', outcome: 'written', status: 'ok', offer_count: 50, write_requests: 3, error: undefined },
      {
        provider: 'tensordock',
        outcome: 'failed',
        status: 'error',
        offer_count: 0,
        write_requests: 2,
        error: 'ProviderUnavailableError: tensordock answered 502 (attempt 2 of 2)',
      },
    ]);

    const records = emf.records();
    expect(records).toHaveLength(2);
    for (const [record, provider] of [
      [records[0]!, 'vastai'],
      [records[1]!, 'tensordock'],
    ] as const) {
      const [directive] = record._aws.CloudWatchMetrics;
      expect(directive!.Namespace).toBe(METRICS_NAMESPACE);
      expect(directive!.Dimensions).toEqual([['service', 'provider']]);
      expect(record['service']).toBe(SERVICE_NAME);
      expect(record['provider']).toBe(provider);
      expect(directive!.Metrics.map((m) => m.Name).sort()).toEqual(Object.values(INVENTORY_METRICS).sort());
    }
    expect(records[0]).toMatchObject({
      [INVENTORY_METRICS.offers]: 50,
      [INVENTORY_METRICS.refreshErrors]: 0,
      [INVENTORY_METRICS.writeRequests]: 3,
      [INVENTORY_METRICS.snapshotAge]: 0,
    });
    expect(records[1]).toMatchObject({ [INVENTORY_METRICS.offers]: 0, [INVENTORY_METRICS.refreshErrors]: 1 });
  });

  it('fails the invocation when storage fails, after reporting', async () => {
    const handler = makeHandler({
      registry: fakeRegistry(new FakeProvider('vastai', manyOffers(3))),
      store: {
        publish: () => Promise.reject(new Error('table gone')),
        recordFailure: () => Promise.reject(new Error('table gone')),
      },
      now: () => new Date(),
      options: { timeoutMs: 5000, attempts: 1, backoffMs: 0, maxAgeSeconds: 600 },
    });
    const emf = captureEmf();
    try {
      await expect(handler({} as never, lambdaContext)).rejects.toThrow('inventory storage failed for vastai');
    } finally {
      emf.restore();
    }
    expect(emf.records()[0]).toMatchObject({ provider: 'vastai', [INVENTORY_METRICS.refreshErrors]: 1 });
  });
});
