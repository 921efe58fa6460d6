// How inventory snapshots sit in the table. Per provider, in the one partition `INVENTORY`:
//   HEAD#<provider>                    small head: version, hash, fetched_at, status, last error, chunk count, lease
//   CHUNK#<provider>#<slot>#<0000…>    the offers as gzip-compressed JSON, split into chunks well under 400 KB
// Two slots alternate (version % 2): a new version is written into the slot readers are not using, then the head
// flips to it, so a reader never sees a half-written snapshot and nothing has to be deleted or expired.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { SnapshotHead, StoredOffer } from '../../domain/inventory-snapshot.ts';
import { isProviderName, type ProviderName } from '../../domain/offer.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const INVENTORY_PK = 'INVENTORY';
const HEAD_PREFIX = 'HEAD#';

/** Compressed bytes per chunk item: DynamoDB's item limit is 400 KB, this leaves ample room for keys. */
export const CHUNK_BYTES = 256 * 1024;

export const headKey = (provider: ProviderName) => ({ pk: INVENTORY_PK, sk: `${HEAD_PREFIX}${provider}` });
export const headPrefix = HEAD_PREFIX;

export const chunkKey = (provider: ProviderName, slot: number, index: number) => ({
  pk: INVENTORY_PK,
  sk: `CHUNK#${provider}#${slot}#${String(index).padStart(4, '0')}`,
});

export const slotOf = (version: number) => version % 2;

/** The head as stored, with the writer-only bookkeeping. */
export interface HeadItem extends SnapshotHead {
  pk: string;
  sk: string;
  slot?: number;
  /** chunks each slot held when last written, so a shrinking snapshot can delete its surplus */
  slot_chunk_counts?: Record<string, number>;
  /** compressed size */
  bytes?: number;
  lease_token?: string;
  lease_until?: string;
}

export interface ChunkItem {
  pk: string;
  sk: string;
  provider: ProviderName;
  version: number;
  hash: string;
  index: number;
  data: Uint8Array;
}

export function headFromItem(item: Record<string, unknown> | undefined): HeadItem | undefined {
  if (!item || typeof item['provider'] !== 'string' || !isProviderName(item['provider'])) return undefined;
  return {
    ...(item as unknown as HeadItem),
    version: Number(item['version'] ?? 0),
    offer_count: Number(item['offer_count'] ?? 0),
    chunk_count: Number(item['chunk_count'] ?? 0),
  };
}

/** The public part of a head (no keys, no lease). */
export function publicHead(item: HeadItem): SnapshotHead {
  const { pk: _pk, sk: _sk, slot: _slot, slot_chunk_counts: _c, bytes: _b, lease_token: _t, lease_until: _u, ...head } = item;
  return head;
}

export interface EncodedSnapshot {
  hash: string;
  chunks: Uint8Array[];
  bytes: number;
}

/** Canonical form: sorted by id, keys sorted, so equal content always hashes equal. */
export function canonicalJson(offers: StoredOffer[]): string {
  const sorted = [...offers].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return `[${sorted.map((o) => JSON.stringify(o, Object.keys(o).sort())).join(',')}]`;
}

export function contentHash(json: string): string {
  return createHash('sha256').update(json).digest('hex');
}

export async function encodeOffers(offers: StoredOffer[], chunkBytes = CHUNK_BYTES): Promise<EncodedSnapshot> {
  const json = canonicalJson(offers);
  const packed = await gzipAsync(Buffer.from(json, 'utf8'));
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < packed.length; at += chunkBytes) chunks.push(packed.subarray(at, at + chunkBytes));
  return { hash: contentHash(json), chunks, bytes: packed.length };
}

export class CorruptSnapshotError extends Error {
  override readonly name = 'CorruptSnapshotError';
}

export async function decodeOffers(chunks: Uint8Array[], expectedHash: string): Promise<StoredOffer[]> {
  const json = (await gunzipAsync(Buffer.concat(chunks))).toString('utf8');
  if (contentHash(json) !== expectedHash) throw new CorruptSnapshotError('snapshot content does not match its hash');
  return JSON.parse(json) as StoredOffer[];
}
