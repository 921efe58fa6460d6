// How inventory snapshots sit in the table. Per provider, in the one partition `INVENTORY`:
//   HEAD#<provider>                    small head: version, hash, fetched_at, status, last error, chunk count, lease
//   CHUNK#<provider>#<slot>#<0000…>    the offers, column by column, brotli-compressed, in chunks well under 400 KB
// Columns compress about four times better than rows (every offer repeats its field names and many values), and
// DynamoDB bills writes per KB: at 10,000 offers a changed snapshot costs ~20 write units instead of ~85.
// Two slots alternate (version % 2): a new version is written into the slot readers are not using, then the head
// flips to it, so a reader never sees a half-written snapshot and nothing has to be deleted or expired.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants, gunzip } from 'node:zlib';
import type { SnapshotHead, StoredOffer } from '../../domain/inventory-snapshot.ts';
import { isProviderName, type ProviderName } from '../../domain/offer.ts';

const brotliAsync = promisify(brotliCompress);
const unbrotliAsync = promisify(brotliDecompress);
const gunzipAsync = promisify(gunzip);

/** Part of every content hash: a snapshot stored in another encoding is rewritten, never misread. */
const ENCODING = 'columns-brotli-v1';

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

interface EncodedSnapshot {
  hash: string;
  chunks: Uint8Array[];
  bytes: number;
}

/** Canonical form: sorted by id, keys sorted, so equal content always hashes equal. */
export function canonicalJson(offers: StoredOffer[]): string {
  const sorted = [...offers].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return `[${sorted.map((o) => JSON.stringify(o, Object.keys(o).sort())).join(',')}]`;
}

function contentHash(json: string): string {
  return createHash('sha256').update(ENCODING).update(json).digest('hex');
}

type Columns = Record<string, unknown[]>;

/** Rows to columns: one array per field, `null` where an offer has no such field. */
function toColumns(offers: StoredOffer[]): Columns {
  const fields = [...new Set(offers.flatMap((o) => Object.keys(o)))].sort();
  return Object.fromEntries(fields.map((f) => [f, offers.map((o) => (o as unknown as Record<string, unknown>)[f] ?? null)]));
}

function fromColumns(columns: Columns): StoredOffer[] {
  const fields = Object.entries(columns);
  const count = fields[0]?.[1].length ?? 0;
  const offers: StoredOffer[] = [];
  for (let i = 0; i < count; i++) {
    const offer: Record<string, unknown> = {};
    for (const [field, values] of fields) if (values[i] !== null) offer[field] = values[i];
    offers.push(offer as unknown as StoredOffer);
  }
  return offers;
}

export async function encodeOffers(offers: StoredOffer[], chunkBytes = CHUNK_BYTES): Promise<EncodedSnapshot> {
  const json = canonicalJson(offers);
  const sorted = JSON.parse(json) as StoredOffer[];
  const columnar = Buffer.from(JSON.stringify(toColumns(sorted)), 'utf8');
  // quality 4: within a few per cent of the best ratio for this data, at a hundredth of quality 11's time
  const packed = await brotliAsync(columnar, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: columnar.length },
  });
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < packed.length; at += chunkBytes) chunks.push(packed.subarray(at, at + chunkBytes));
  return { hash: contentHash(json), chunks, bytes: packed.length };
}

export class CorruptSnapshotError extends Error {
  override readonly name = 'CorruptSnapshotError';
}

export async function decodeOffers(chunks: Uint8Array[], expectedHash: string): Promise<StoredOffer[]> {
  const packed = Buffer.concat(chunks);
  // a snapshot written by an older version (gzip rows, magic 1f 8b) stays readable until the next refresh rewrites it
  if (packed[0] === 0x1f && packed[1] === 0x8b) {
    const json = (await gunzipAsync(packed)).toString('utf8');
    if (createHash('sha256').update(json).digest('hex') !== expectedHash) {
      throw new CorruptSnapshotError('snapshot content does not match its hash');
    }
    return JSON.parse(json) as StoredOffer[];
  }
  let offers: StoredOffer[];
  try {
    offers = fromColumns(JSON.parse((await unbrotliAsync(packed)).toString('utf8')) as Columns);
  } catch {
    throw new CorruptSnapshotError('snapshot chunks do not decode');
  }
  if (contentHash(canonicalJson(offers)) !== expectedHash) {
    throw new CorruptSnapshotError('snapshot content does not match its hash');
  }
  return offers;
}
