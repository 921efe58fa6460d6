import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  CorruptSnapshotError,
  decodeOffers,
  encodeOffers,
} from '../../shared/adapters/dynamodb/inventory-layout.ts';
import type { StoredOffer } from '../../shared/domain/inventory-snapshot.ts';
import { manyOffers } from '../support/inventory-fixtures.ts';

const offers = manyOffers(2000) as unknown as StoredOffer[];

describe('inventory snapshot encoding', () => {
  it('round-trips the offers exactly, optional fields included, through columns and brotli', async () => {
    const withGaps = offers.map((o, i) => (i % 3 === 0 ? { ...o, cuda_version: undefined } : o)) as StoredOffer[];
    const cleaned = JSON.parse(JSON.stringify(withGaps)) as StoredOffer[];
    const encoded = await encodeOffers(cleaned, 4096);
    expect(encoded.chunks.length).toBeGreaterThan(1);
    const decoded = await decodeOffers(encoded.chunks, encoded.hash);
    expect(canonicalJson(decoded)).toBe(canonicalJson(cleaned));
  });

  it('is far smaller than gzip of the rows it replaced', async () => {
    const encoded = await encodeOffers(offers);
    const legacy = gzipSync(canonicalJson(offers)).length;
    expect(encoded.bytes).toBeLessThan(legacy / 2);
  });

  it('still reads a snapshot an older version stored as gzip rows, and checks its hash', async () => {
    const json = canonicalJson(offers);
    const legacyHash = createHash('sha256').update(json).digest('hex');
    const chunks = [gzipSync(json)];
    expect(await decodeOffers(chunks, legacyHash)).toHaveLength(offers.length);
    await expect(decodeOffers(chunks, 'f'.repeat(64))).rejects.toBeInstanceOf(CorruptSnapshotError);
  });

  it('refuses chunks that do not decode or do not match the hash', async () => {
    const encoded = await encodeOffers(offers);
    await expect(decodeOffers([Buffer.from('garbage')], encoded.hash)).rejects.toBeInstanceOf(CorruptSnapshotError);
    await expect(decodeOffers(encoded.chunks, 'f'.repeat(64))).rejects.toBeInstanceOf(CorruptSnapshotError);
  });
});
