// Writes inventory snapshots (layout in inventory-layout.ts). A refresh whose content is unchanged writes one small
// head update; a changed one writes its chunks into the idle slot and then flips the head. A lease on the head
// keeps two overlapping refreshes of one provider from writing the same slot.
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredOffer } from '../../domain/inventory-snapshot.ts';
import type { ProviderName } from '../../domain/offer.ts';
import type { FailureResult, InventorySnapshotWriter, PublishResult } from '../../ports/inventory-storage.ts';
import {
  CHUNK_BYTES,
  type ChunkItem,
  chunkKey,
  encodeOffers,
  type HeadItem,
  headFromItem,
  headKey,
  publicHead,
  slotOf,
} from './inventory-layout.ts';

interface InventoryWriterOptions {
  /** how long a refresh may hold a provider's snapshot for writing before another may take over */
  leaseMs?: number;
  chunkBytes?: number;
}

// fields every head has, also one created by a first lease or a first failure
const INIT_HEAD =
  'provider = :p, created_at = if_not_exists(created_at, :at), version = if_not_exists(version, :zero), ' +
  'offer_count = if_not_exists(offer_count, :zero), chunk_count = if_not_exists(chunk_count, :zero)';

export class DynamoInventoryWriter implements InventorySnapshotWriter {
  private readonly leaseMs: number;
  private readonly chunkBytes: number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: InventoryWriterOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 120_000;
    this.chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  }

  async publish(provider: ProviderName, offers: StoredOffer[], fetchedAt: Date): Promise<PublishResult> {
    const encoded = await encodeOffers(offers, this.chunkBytes);
    const at = fetchedAt.toISOString();
    let writeRequests = 0;

    const current = await this.readHead(provider);
    if (current && current.version > 0 && current.hash === encoded.hash) {
      // Unchanged: only the confirmation time moves (one small write). Without it readers could not tell a
      // snapshot confirmed a minute ago from one nobody has been able to fetch for an hour.
      writeRequests++;
      const head = await this.conditionalUpdate({
        Key: headKey(provider),
        UpdateExpression: 'SET fetched_at = :at, checked_at = :at, #status = :ok',
        ConditionExpression: '#hash = :hash',
        ExpressionAttributeNames: { '#status': 'status', '#hash': 'hash' },
        ExpressionAttributeValues: { ':at': at, ':ok': 'ok', ':hash': encoded.hash },
      });
      return head
        ? { outcome: 'unchanged', head: publicHead(head), writeRequests }
        : { outcome: 'busy', head: publicHead(current), writeRequests };
    }

    const token = randomUUID();
    writeRequests++;
    const claimed = await this.conditionalUpdate({
      Key: headKey(provider),
      UpdateExpression: `SET lease_token = :token, lease_until = :until, checked_at = if_not_exists(checked_at, :at), #status = if_not_exists(#status, :error), ${INIT_HEAD}`,
      ConditionExpression: 'attribute_not_exists(lease_until) OR lease_until < :now',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':token': token,
        ':until': new Date(Date.now() + this.leaseMs).toISOString(),
        ':now': new Date().toISOString(),
        ':at': at,
        ':error': 'error',
        ':p': provider,
        ':zero': 0,
      },
    });
    // another refresh is writing this provider: its result will do
    if (!claimed) return { outcome: 'busy', head: current && publicHead(current), writeRequests };

    try {
      const version = claimed.version + 1;
      const slot = slotOf(version);
      await Promise.all(
        encoded.chunks.map((data, index) => {
          const item: ChunkItem = { ...chunkKey(provider, slot, index), provider, version, hash: encoded.hash, index, data };
          return this.db.send(new PutCommand({ TableName: this.tableName, Item: item }));
        }),
      );
      writeRequests += encoded.chunks.length;

      const previousInSlot = claimed.slot_chunk_counts?.[String(slot)] ?? 0;
      const head: HeadItem = {
        ...headKey(provider),
        provider,
        version,
        hash: encoded.hash,
        slot,
        chunk_count: encoded.chunks.length,
        slot_chunk_counts: { ...claimed.slot_chunk_counts, [String(slot)]: encoded.chunks.length },
        offer_count: offers.length,
        bytes: encoded.bytes,
        fetched_at: at,
        written_at: at,
        checked_at: at,
        status: 'ok',
        last_error: claimed.last_error,
        last_error_at: claimed.last_error_at,
        created_at: claimed.created_at,
      };
      writeRequests++;
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: head,
            ConditionExpression: 'lease_token = :token',
            ExpressionAttributeValues: { ':token': token },
          }),
        );
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) {
          return { outcome: 'busy', head: publicHead(claimed), writeRequests };
        }
        throw err;
      }

      // the slot held a bigger snapshot before: its extra chunks would only waste space
      for (let index = encoded.chunks.length; index < previousInSlot; index++) {
        writeRequests++;
        await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: chunkKey(provider, slot, index) }));
      }
      return { outcome: 'written', head: publicHead(head), writeRequests };
    } catch (err) {
      await this.releaseLease(provider, token).catch(() => undefined);
      throw err;
    }
  }

  async recordFailure(provider: ProviderName, error: string, at: Date): Promise<FailureResult> {
    const values = { ':e': error, ':at': at.toISOString(), ':p': provider, ':zero': 0 };
    const update = (status: 'stale' | 'error', condition: string) =>
      this.conditionalUpdate({
        Key: headKey(provider),
        UpdateExpression: `SET last_error = :e, last_error_at = :at, checked_at = :at, #status = :status, ${INIT_HEAD}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...values, ':status': status },
      });
    // a good snapshot exists: keep it and serve it as stale; none: the provider is in error
    const stale = await update('stale', 'version > :zero');
    if (stale) return { head: publicHead(stale), writeRequests: 1 };
    const failed = await update('error', 'attribute_not_exists(version) OR version = :zero');
    if (failed) return { head: publicHead(failed), writeRequests: 2 };
    // a snapshot appeared in between: it is newer than this failure
    const head = await this.readHead(provider);
    return { head: head && publicHead(head), writeRequests: 2 };
  }

  private async readHead(provider: ProviderName): Promise<HeadItem | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: headKey(provider), ConsistentRead: true }),
    );
    return headFromItem(Item);
  }

  /** The updated head, or undefined when the condition did not hold. */
  private async conditionalUpdate(input: {
    Key: Record<string, string>;
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues: Record<string, unknown>;
  }): Promise<HeadItem | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({ TableName: this.tableName, ReturnValues: 'ALL_NEW', ...input }),
      );
      return headFromItem(Attributes);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  private async releaseLease(provider: ProviderName, token: string): Promise<void> {
    await this.conditionalUpdate({
      Key: headKey(provider),
      UpdateExpression: 'REMOVE lease_token, lease_until',
      ConditionExpression: 'lease_token = :token',
      ExpressionAttributeValues: { ':token': token },
    });
  }
}
