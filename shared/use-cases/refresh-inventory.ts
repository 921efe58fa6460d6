// The scheduled inventory refresh: every provider fetched in parallel, each with its own timeout and retry
// budget, each stored on its own, so a slow or failing provider never delays or damages another's snapshot.
import { isAppError } from '../domain/errors.ts';
import { assessSnapshot, type ProviderInventoryStatus, type SnapshotHead, type StoredOffer } from '../domain/inventory-snapshot.ts';
import type { Offer, ProviderName } from '../domain/offer.ts';
import { redactSecrets, sanitizeEcho } from '../observability/redact.ts';
import type { InventorySnapshotWriter } from '../ports/inventory-storage.ts';
import type { ProviderClient, ProviderRegistry } from '../ports/provider.ts';

export interface RefreshOptions {
  /** per attempt */
  timeoutMs: number;
  /** attempts per provider (1 = no retry) */
  attempts: number;
  /** pause before a retry, times the attempt number */
  backoffMs: number;
  /** epoch ms by which every fetch must have ended (leaves the function time to store and report) */
  deadline?: number;
  /** how old a snapshot may be and still be served (for the reported status and age) */
  maxAgeSeconds: number;
}

interface RefreshDeps {
  registry: ProviderRegistry;
  store: InventorySnapshotWriter;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  options: RefreshOptions;
}

export interface ProviderRefresh {
  provider: ProviderName;
  /** failed: the provider could not be fetched; storage_error: it was, but storing the result failed */
  outcome: 'written' | 'unchanged' | 'busy' | 'failed' | 'storage_error';
  /** the provider's status after this refresh; undefined when storage could not be reached */
  status?: ProviderInventoryStatus;
  /** offers in the snapshot now stored */
  offer_count: number;
  /** offers the provider returned that were malformed or duplicated and were left out */
  dropped_offers: number;
  attempts: number;
  duration_ms: number;
  write_requests: number;
  /** age of the snapshot that is stored now; for a provider with none, time since its first refresh */
  snapshot_age_seconds?: number;
  error?: string;
}

export class ProviderTimeoutError extends Error {
  override readonly name = 'ProviderTimeoutError';
}

export async function refreshInventory(deps: RefreshDeps): Promise<ProviderRefresh[]> {
  const clients = await deps.registry.all();
  return Promise.all(clients.map((client) => refreshProvider(client, deps)));
}

async function refreshProvider(client: ProviderClient, deps: RefreshDeps): Promise<ProviderRefresh> {
  const started = deps.now();
  const result: ProviderRefresh = {
    provider: client.name,
    outcome: 'failed',
    offer_count: 0,
    dropped_offers: 0,
    attempts: 0,
    duration_ms: 0,
    write_requests: 0,
  };
  const fetched = await fetchWithRetry(client, deps, result);
  const at = deps.now();
  try {
    let head: SnapshotHead | undefined;
    if (fetched.ok) {
      const { offers, dropped } = cleanOffers(fetched.offers, client.name);
      result.dropped_offers = dropped;
      const published = await deps.store.publish(client.name, offers, at);
      result.outcome = published.outcome;
      result.write_requests = published.writeRequests;
      head = published.head;
    } else {
      result.error = fetched.error;
      const recorded = await deps.store.recordFailure(client.name, fetched.error, at);
      result.write_requests = recorded.writeRequests;
      head = recorded.head;
    }
    if (head) describeHead(result, head, deps.now(), deps.options.maxAgeSeconds);
  } catch (err) {
    result.outcome = 'storage_error';
    result.error = `storage: ${describeError(err)}`;
  }
  result.duration_ms = deps.now().getTime() - started.getTime();
  return result;
}

type Fetched = { ok: true; offers: Offer[] } | { ok: false; error: string };

async function fetchWithRetry(client: ProviderClient, deps: RefreshDeps, result: ProviderRefresh): Promise<Fetched> {
  const { options } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let lastError = 'not attempted: no time left before the deadline';
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    const remaining = options.deadline === undefined ? Number.POSITIVE_INFINITY : options.deadline - deps.now().getTime();
    const timeoutMs = Math.min(options.timeoutMs, remaining);
    if (timeoutMs <= 0) break;
    result.attempts = attempt;
    try {
      return { ok: true, offers: await listWithTimeout(client, timeoutMs) };
    } catch (err) {
      lastError = `${describeError(err)} (attempt ${attempt} of ${options.attempts})`;
      if (!isRetryable(err) || attempt === options.attempts) break;
      await sleep(options.backoffMs * attempt);
    }
  }
  return { ok: false, error: lastError };
}

/** Bounded even when an adapter ignores the abort signal: the refresh moves on, the late answer is dropped. */
async function listWithTimeout(client: ProviderClient, timeoutMs: number): Promise<Offer[]> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new ProviderTimeoutError(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([client.listOffers({ signal: controller.signal }), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function isRetryable(err: unknown): boolean {
  return err instanceof ProviderTimeoutError || (isAppError(err) && err.family === 'transient');
}

/** Drops offers an adapter should never have produced, and duplicates, so one bad row cannot poison a snapshot. */
export function cleanOffers(offers: Offer[], provider: ProviderName): { offers: StoredOffer[]; dropped: number } {
  const seen = new Set<string>();
  const kept: StoredOffer[] = [];
  for (const offer of offers) {
    if (!isWellFormed(offer, provider) || seen.has(offer.id)) continue;
    seen.add(offer.id);
    const { fetched_at: _fetchedAt, ...stored } = offer;
    kept.push(stored);
  }
  return { offers: kept, dropped: offers.length - kept.length };
}

function isWellFormed(o: Offer, provider: ProviderName): boolean {
  const nonNegative = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  return (
    typeof o === 'object' &&
    o !== null &&
    o.provider === provider &&
    typeof o.id === 'string' &&
    o.id !== '' &&
    typeof o.gpu_type === 'string' &&
    o.gpu_type !== '' &&
    Number.isInteger(o.gpu_count) &&
    o.gpu_count >= 1 &&
    nonNegative(o.vram_gb) &&
    nonNegative(o.price_per_hour) &&
    typeof o.location === 'string' &&
    nonNegative(o.reliability)
  );
}

function describeHead(result: ProviderRefresh, head: SnapshotHead, now: Date, maxAgeSeconds: number): void {
  const assessed = assessSnapshot(head, now, maxAgeSeconds);
  result.status = assessed.status;
  result.offer_count = head.version > 0 ? head.offer_count : 0;
  result.snapshot_age_seconds =
    assessed.age_seconds ?? Math.max(0, Math.round((now.getTime() - Date.parse(head.created_at)) / 1000));
}

/** Provider errors carry no credentials by contract; redaction is the second line of defence. */
function describeError(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err));
  return sanitizeEcho(redactSecrets(`${e.name || 'Error'}: ${e.message}`), 300);
}
