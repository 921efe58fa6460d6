import { describe, expect, it } from 'vitest';
import { offerConfidence, stalenessFactor } from '../../shared/domain/offer-confidence.ts';

describe('offer confidence', () => {
  it('is the reliability while the snapshot is fresh, and falls to half as it ages to five minutes', () => {
    expect(offerConfidence(0.9, 30, 1)).toBe(0.9);
    expect(stalenessFactor(120)).toBe(1);
    expect(stalenessFactor(210)).toBe(0.75);
    expect(stalenessFactor(300)).toBe(0.5);
    expect(offerConfidence(0.9, 3600, 1)).toBe(0.45);
  });

  it('applies the health multiplier, and assumes 0.5 when a provider reports no reliability', () => {
    expect(offerConfidence(0.9, 0, 0.7)).toBe(0.63);
    expect(offerConfidence(0, 0, 1)).toBe(0.5);
    expect(offerConfidence(Number.NaN, 0, 1)).toBe(0.5);
    expect(offerConfidence(1.7, 0, 1)).toBe(1);
    expect(offerConfidence(0.9, 0, 0)).toBe(0);
  });
});
