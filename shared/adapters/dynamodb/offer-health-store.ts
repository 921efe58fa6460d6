// Offer failures, one item per provider (pk OFFER_HEALTH, sk PROVIDER#<name>) holding the failures still inside
// the decay window. The data is small, so every reader gets all of it with one query, and each recorded failure
// is one read-modify-write guarded by a version.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, } from '@aws-sdk/lib-dynamodb';
import { ConcurrencyError } from '../../domain/errors.ts';
import { isProviderName, type ProviderName } from '../../domain/offer.ts';
import { DEFAULT_HEALTH_RULES, type HealthRules, pruneFailures } from '../../domain/offer-health.ts';
import { redactSecrets, sanitizeEcho } from '../../observability/redact.ts';
import type { OfferFailure, OfferFailureType, OfferHealthRecorder } from '../../ports/inventory.ts';
import type { OfferFailureSource } from '../../ports/inventory-storage.ts';
import { queryAll } from './query-all.ts';

export const OFFER_HEALTH_PK = 'OFFER_HEALTH';
const keyOf = (provider: ProviderName) => ({ pk: OFFER_HEALTH_PK, sk: `PROVIDER#${provider}` });

/** Newest failures kept per provider even inside the window, so the item stays far below 400 KB. */
const MAX_FAILURES_PER_PROVIDER = 500;

interface StoredFailure {
  offer_id: string;
  gpu_type: string;
  host_id?: string;
  type: OfferFailureType;
  reason?: string;
  at: string;
}

interface HealthItem {
  pk: string;
  sk: string;
  provider: ProviderName;
  version: number;
  updated_at: string;
  failures: StoredFailure[];
}

interface OfferHealthStoreOptions {
  now: () => Date;
  rules?: HealthRules;
  maxAttempts?: number;
}

export class DynamoOfferHealthStore implements OfferHealthRecorder, OfferFailureSource {
  private readonly rules: HealthRules;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: OfferHealthStoreOptions,
  ) {
    this.rules = options.rules ?? DEFAULT_HEALTH_RULES;
  }

  async recordFailure(failure: OfferFailure): Promise<void> {
    const stored: StoredFailure = {
      offer_id: sanitizeEcho(failure.offer_id, 200),
      gpu_type: sanitizeEcho(failure.gpu_type, 100),
      host_id: failure.host_id === undefined ? undefined : sanitizeEcho(failure.host_id, 200),
      type: failure.type,
      reason: failure.reason === undefined ? undefined : sanitizeEcho(redactSecrets(failure.reason), 300),
      at: failure.at.toISOString(),
    };
    const attempts = this.options.maxAttempts ?? 8;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: keyOf(failure.provider), ConsistentRead: true }),
      );
      const current = Item as HealthItem | undefined;
      const now = this.options.now();
      const kept = pruneFailures(toFailures(failure.provider, current?.failures ?? []), now, this.rules).map(toStored);
      const failures = [...kept, stored].slice(-MAX_FAILURES_PER_PROVIDER);
      const item: HealthItem = {
        ...keyOf(failure.provider),
        provider: failure.provider,
        version: (current?.version ?? 0) + 1,
        updated_at: now.toISOString(),
        failures,
      };
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: current ? 'version = :v' : 'attribute_not_exists(pk)',
            ExpressionAttributeValues: current ? { ':v': current.version } : undefined,
          }),
        );
        return;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        // another failure was recorded meanwhile: read again and retry, after a short random pause
        await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
      }
    }
    throw new ConcurrencyError('offer failure not recorded: too many concurrent updates', { provider: failure.provider });
  }

  async recentFailures(): Promise<OfferFailure[]> {
    const items = await queryAll<HealthItem>(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': OFFER_HEALTH_PK },
      ConsistentRead: true,
    });
    const failures = items.flatMap((item) =>
      isProviderName(item.provider) ? toFailures(item.provider, item.failures ?? []) : [],
    );
    return pruneFailures(failures, this.options.now(), this.rules);
  }
}

function toFailures(provider: ProviderName, stored: StoredFailure[]): OfferFailure[] {
  return stored.map((s) => ({ ...s, provider, at: new Date(s.at) }));
}

function toStored(f: OfferFailure): StoredFailure {
  return { offer_id: f.offer_id, gpu_type: f.gpu_type, host_id: f.host_id, type: f.type, reason: f.reason, at: f.at.toISOString() };
}
