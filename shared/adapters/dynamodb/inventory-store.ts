// Reads inventory snapshots for one process. The offers stay in memory; every read checks the heads with one
// small consistent query and reloads a provider's chunks only when its version changed. Concurrent reads share
// one check (and so one reload).
import { type DynamoDBDocumentClient, GetCommand, } from '@aws-sdk/lib-dynamodb';
import type { ProviderSnapshot, SnapshotHead, StoredOffer } from '../../domain/inventory-snapshot.ts';
import type { ProviderName } from '../../domain/offer.ts';
import { logger } from '../../observability/powertools.ts';
import type { InventorySnapshotReader } from '../../ports/inventory-storage.ts';
import {
  type ChunkItem,
  chunkKey,
  decodeOffers,
  type HeadItem,
  headFromItem,
  headKey,
  headPrefix,
  INVENTORY_PK,
  publicHead,
} from './inventory-layout.ts';
import { queryAll } from './query-all.ts';

interface Cached {
  head: SnapshotHead;
  offers: StoredOffer[];
}

interface InventoryReaderStats {
  /** head checks made (each one consistent query) */
  headReads: number;
  /** snapshots loaded from their chunks */
  reloads: number;
}

export class DynamoInventoryReader implements InventorySnapshotReader {
  private cache = new Map<ProviderName, Cached>();
  private inFlight: Promise<ProviderSnapshot[]> | undefined;
  readonly stats: InventoryReaderStats = { headReads: 0, reloads: 0 };

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly maxLoadAttempts = 3,
  ) {}

  snapshots(): Promise<ProviderSnapshot[]> {
    this.inFlight ??= this.sync().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  async heads(): Promise<SnapshotHead[]> {
    return (await this.readHeads()).map(publicHead);
  }

  private async sync(): Promise<ProviderSnapshot[]> {
    const heads = await this.readHeads();
    const next = new Map<ProviderName, Cached>();
    await Promise.all(
      heads.map(async (head) => {
        next.set(head.provider, await this.current(head));
      }),
    );
    this.cache = next;
    return [...next.values()];
  }

  private async current(head: HeadItem): Promise<Cached> {
    const cached = this.cache.get(head.provider);
    if (head.version < 1) return { head: publicHead(head), offers: [] };
    if (cached && cached.head.version === head.version && cached.head.hash === head.hash) {
      // same content; the head still brings the new confirmation time and status
      return { head: publicHead(head), offers: cached.offers };
    }
    const loaded = await this.load(head);
    if (loaded) return loaded;
    if (cached) return cached;
    // nothing this process can serve for the provider until a snapshot loads
    return { head: { ...publicHead(head), version: 0, last_error: 'inventory snapshot could not be read' }, offers: [] };
  }

  /** Loads the head's chunks; when a writer moved on meanwhile, follows the newer head. */
  private async load(first: HeadItem): Promise<Cached | undefined> {
    let head: HeadItem | undefined = first;
    for (let attempt = 1; head && head.version > 0 && attempt <= this.maxLoadAttempts; attempt++) {
      const chunks = await this.readChunks(head);
      if (chunks) {
        try {
          const offers = await decodeOffers(chunks, head.hash!);
          this.stats.reloads++;
          return { head: publicHead(head), offers };
        } catch (err) {
          logger.warn('inventory snapshot failed to decode', { provider: head.provider, error: err as Error });
        }
      }
      head = await this.readHead(head.provider);
    }
    logger.warn('inventory snapshot could not be loaded', { provider: first.provider, version: first.version });
    return undefined;
  }

  private async readChunks(head: HeadItem): Promise<Uint8Array[] | undefined> {
    const slot = head.slot ?? 0;
    const items = await queryAll<ChunkItem>(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
      ExpressionAttributeValues: {
        ':pk': INVENTORY_PK,
        ':first': chunkKey(head.provider, slot, 0).sk,
        ':last': chunkKey(head.provider, slot, head.chunk_count - 1).sk,
      },
      ConsistentRead: true,
    });
    // a chunk of another version means a writer has reused this slot since the head was read
    const intact =
      items.length === head.chunk_count &&
      items.every((c, i) => c.index === i && c.version === head.version && c.hash === head.hash);
    return intact ? items.map((c) => c.data) : undefined;
  }

  private async readHeads(): Promise<HeadItem[]> {
    this.stats.headReads++;
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :head)',
      ExpressionAttributeValues: { ':pk': INVENTORY_PK, ':head': headPrefix },
      ConsistentRead: true,
    });
    return items.map(headFromItem).filter((head): head is HeadItem => head !== undefined);
  }

  private async readHead(provider: ProviderName): Promise<HeadItem | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: headKey(provider), ConsistentRead: true }),
    );
    return headFromItem(Item);
  }
}
