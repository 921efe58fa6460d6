// In-memory VerificationHistory: the last 20 verification times per provider and GPU (as the DynamoDB adapter keeps).
import { gpuKey } from '../../shared/domain/offer.ts';
import type { VerificationHistory } from '../../shared/ports/verification-history.ts';

export class MemoryVerificationHistory implements VerificationHistory {
  private readonly durations = new Map<string, number[]>();

  async recent(provider: string, gpuType: string): Promise<number[]> {
    return [...(this.durations.get(`${provider}#${gpuKey(gpuType)}`) ?? [])];
  }

  async record(provider: string, gpuType: string, durationMs: number): Promise<void> {
    const k = `${provider}#${gpuKey(gpuType)}`;
    this.durations.set(k, [...(this.durations.get(k) ?? []), durationMs].slice(-20));
  }
}
