import { describe, expect, it } from 'vitest';
import type { SnapshotHead, StoredOffer } from '../../shared/domain/inventory-snapshot.ts';
import type { Offer, ProviderName } from '../../shared/domain/offer.ts';
import { ProviderAuthError, ProviderUnavailableError } from '../../shared/domain/provider-errors.ts';
import type { InventorySnapshotWriter } from '../../shared/ports/inventory-storage.ts';
import { type RefreshOptions, refreshInventory } from '../../shared/use-cases/refresh-inventory.ts';
import { FakeProvider, fakeRegistry, ManualClock, offer } from '../support/inventory-fixtures.ts';

/** Records what the use case asks storage to do; heads are as the real store would leave them. */
class RecordingStore implements InventorySnapshotWriter {
  published = new Map<ProviderName, StoredOffer[]>();
  failures = new Map<ProviderName, string>();
  failWith?: Error;

  async publish(provider: ProviderName, offers: StoredOffer[], fetchedAt: Date) {
    if (this.failWith) throw this.failWith;
    this.published.set(provider, offers);
    return { outcome: 'written' as const, head: head(provider, offers.length, fetchedAt), writeRequests: 3 };
  }

  async recordFailure(provider: ProviderName, error: string, at: Date) {
    this.failures.set(provider, error);
    return { head: { ...head(provider, 0, at), version: 0, fetched_at: undefined, last_error: error }, writeRequests: 1 };
  }
}

function head(provider: ProviderName, offers: number, at: Date): SnapshotHead {
  const iso = at.toISOString();
  return {
    provider,
    version: 1,
    hash: 'h',
    fetched_at: iso,
    checked_at: iso,
    status: 'ok',
    offer_count: offers,
    chunk_count: 1,
    created_at: iso,
  };
}

const options: RefreshOptions = { timeoutMs: 10_000, attempts: 3, backoffMs: 1000, maxAgeSeconds: 600 };

function deps(store: RecordingStore, providers: FakeProvider[], extra: Partial<RefreshOptions> = {}) {
  const clock = new ManualClock(Date.parse('2026-11-28T12:00:00Z'));
  const sleeps: number[] = [];
  return {
    registry: fakeRegistry(...providers),
    store,
    now: clock.now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
    options: { ...options, ...extra },
    sleeps,
  };
}

const vastOffers = [offer({ id: 'vastai-1' }), offer({ id: 'vastai-2', price_per_hour: 0.3 })];
const tdOffers = [offer({ id: 'tensordock-a', provider: 'tensordock' })];

describe('refreshInventory', () => {
  it('fetches providers in parallel: one waiting on the other cannot deadlock', async () => {
    let tensordockCalled!: () => void;
    const bothAsked = new Promise<void>((r) => {
      tensordockCalled = r;
    });
    // vastai answers only once tensordock has been asked: a sequential refresh would time vastai out
    const vast = new FakeProvider('vastai', async () => {
      await bothAsked;
      return vastOffers;
    });
    const td = new FakeProvider('tensordock', async () => {
      tensordockCalled();
      return tdOffers;
    });
    const store = new RecordingStore();
    const results = await refreshInventory(deps(store, [vast, td]));
    expect(results.map((r) => [r.provider, r.outcome, r.offer_count])).toEqual([
      ['vastai', 'written', 2],
      ['tensordock', 'written', 1],
    ]);
    expect(vast.calls).toBe(1);
  });

  it('gives up on a provider that never answers after its own timeout and retries, and stores the other', async () => {
    const hanging = new FakeProvider('vastai', 'hang');
    const td = new FakeProvider('tensordock', tdOffers);
    const store = new RecordingStore();
    const d = deps(store, [hanging, td], { timeoutMs: 50, attempts: 2 });
    const [vast, tensordock] = await refreshInventory(d);
    expect(hanging.calls).toBe(2);
    expect(vast).toMatchObject({ outcome: 'failed', attempts: 2, status: 'error' });
    expect(vast!.error).toBe('ProviderTimeoutError: no answer within 50 ms (attempt 2 of 2)');
    expect(store.failures.get('vastai')).toBe(vast!.error);
    expect(tensordock).toMatchObject({ outcome: 'written', status: 'ok', offer_count: 1 });
    expect(d.sleeps).toEqual([1000]);
  });

  it('passes an abort signal that fires on timeout', async () => {
    let aborted = false;
    const vast = new FakeProvider('vastai', (signal) => {
      signal?.addEventListener('abort', () => {
        aborted = true;
      });
      return new Promise<Offer[]>(() => undefined);
    });
    await refreshInventory(deps(new RecordingStore(), [vast], { timeoutMs: 20, attempts: 1 }));
    expect(aborted).toBe(true);
  });

  it('retries transient errors with growing backoff, then stores the answer', async () => {
    const vast = new FakeProvider(
      'vastai',
      new ProviderUnavailableError('vastai answered 503'),
      new ProviderUnavailableError('vastai answered 502'),
      vastOffers,
    );
    const store = new RecordingStore();
    const d = deps(store, [vast]);
    const [result] = await refreshInventory(d);
    expect(result).toMatchObject({ outcome: 'written', attempts: 3, offer_count: 2 });
    expect(d.sleeps).toEqual([1000, 2000]);
  });

  it('does not retry a permanent error, and records it without secrets', async () => {
    const vast = new FakeProvider('vastai', new ProviderAuthError('401 for https://x/api?api_key=SECRETSECRET123'), vastOffers);
    const store = new RecordingStore();
    const [result] = await refreshInventory(deps(store, [vast]));
    expect(vast.calls).toBe(1);
    expect(result).toMatchObject({ outcome: 'failed', attempts: 1 });
    expect(store.failures.get('vastai')).toBe('ProviderAuthError: 401 for https://x/api?api_key=[REDACTED] (attempt 1 of 3)');
    expect(JSON.stringify(result)).not.toContain('SECRETSECRET123');
  });

  it('stops retrying at the deadline', async () => {
    const vast = new FakeProvider('vastai', new ProviderUnavailableError('down'));
    const store = new RecordingStore();
    const d = deps(store, [vast], { deadline: Date.parse('2026-11-28T11:59:00Z') });
    const [result] = await refreshInventory(d);
    expect(vast.calls).toBe(0);
    expect(result!.error).toMatch(/no time left/);
  });

  it('drops malformed and duplicate offers and keeps fetched_at out of stored content', async () => {
    const bad = [
      offer({ id: 'vastai-1' }),
      offer({ id: 'vastai-1', price_per_hour: 9 }),
      offer({ id: '' }),
      offer({ id: 'vastai-3', price_per_hour: Number.NaN }),
      offer({ id: 'vastai-4', gpu_count: 0 }),
      offer({ id: 'tensordock-5', provider: 'tensordock' }),
      offer({ id: 'vastai-6', vram_gb: -1 }),
      offer({ id: 'vastai-7' }),
    ];
    const store = new RecordingStore();
    const [result] = await refreshInventory(deps(store, [new FakeProvider('vastai', bad)]));
    expect(result).toMatchObject({ outcome: 'written', dropped_offers: 6 });
    const stored = store.published.get('vastai')!;
    expect(stored.map((o) => o.id)).toEqual(['vastai-1', 'vastai-7']);
    expect(stored[0]!.price_per_hour).toBe(0.5);
    expect(stored.every((o) => !('fetched_at' in o))).toBe(true);
  });

  it('reports a storage failure as such, without touching the provider status', async () => {
    const store = new RecordingStore();
    store.failWith = Object.assign(new Error('throughput exceeded'), { name: 'ProvisionedThroughputExceededException' });
    const [result] = await refreshInventory(deps(store, [new FakeProvider('vastai', vastOffers)]));
    expect(result).toMatchObject({ outcome: 'storage_error' });
    expect(result!.status).toBeUndefined();
    expect(result!.error).toBe('storage: ProvisionedThroughputExceededException: throughput exceeded');
  });
});
