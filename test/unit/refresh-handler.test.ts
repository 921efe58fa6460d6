import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeHandler } from '../../functions/scheduled/refresh-inventory-handler.ts';
import { DynamoInventoryWriter } from '../../shared/adapters/dynamodb/inventory-writer.ts';
import { ProviderUnavailableError } from '../../shared/domain/provider-errors.ts';
import { INVENTORY_METRICS } from '../../shared/observability/inventory-metrics.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/powertools.ts';
import { FakeProvider, fakeRegistry, ManualClock, manyOffers } from '../support/inventory-fixtures.ts';
import { lambdaContext } from '../support/http.ts';
import { RecordingMetricsSink } from '../support/recording-metrics.ts';
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
  it('stores each provider and emits its metrics as EMF with the dimensions the stale alarms select on', async () => {
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

    // one EMF line per metric, each with exactly {service, provider}: what the stale alarms select on; errors
    // only for the provider that failed (a custom metric is billed for every hour it receives data)
    const records = emf.records();
    expect(records).toHaveLength(2 * Object.keys(INVENTORY_METRICS).length - 1);
    for (const record of records) {
      const [directive] = record._aws.CloudWatchMetrics;
      expect(directive!.Namespace).toBe(METRICS_NAMESPACE);
      expect(directive!.Dimensions).toEqual([['service', 'provider']]);
      expect(record['service']).toBe(SERVICE_NAME);
    }
    const value = (provider: string, name: string) =>
      records.find((r) => r['provider'] === provider && name in r)?.[name];
    for (const name of Object.values(INVENTORY_METRICS)) expect(value('tensordock', name), `tensordock ${name}`).toBeTypeOf('number');
    expect(value('vastai', INVENTORY_METRICS.offers)).toBe(50);
    expect(value('vastai', INVENTORY_METRICS.refreshErrors)).toBeUndefined();
    expect(value('vastai', INVENTORY_METRICS.snapshotAge)).toBe(0);
    expect(value('tensordock', INVENTORY_METRICS.offers)).toBe(0);
    expect(value('tensordock', INVENTORY_METRICS.refreshErrors)).toBe(1);
  });

  it('fails the invocation when storage fails, after reporting', async () => {
    const metrics = new RecordingMetricsSink();
    const handler = makeHandler({
      metrics,
      registry: fakeRegistry(new FakeProvider('vastai', manyOffers(3))),
      store: {
        publish: () => Promise.reject(new Error('table gone')),
        recordFailure: () => Promise.reject(new Error('table gone')),
      },
      now: () => new Date(),
      options: { timeoutMs: 5000, attempts: 1, backoffMs: 0, maxAgeSeconds: 600 },
    });
    await expect(handler({} as never, lambdaContext)).rejects.toThrow('inventory storage failed for vastai');
    expect(metrics.count(INVENTORY_METRICS.refreshErrors, { provider: 'vastai' })).toBe(1);
  });
});
