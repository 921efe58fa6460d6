/** Recent successful SSH verification times per provider and GPU type, from which deadlines are learned. */
export interface VerificationHistory {
  recent(provider: string, gpuType: string): Promise<number[]>;
  record(provider: string, gpuType: string, durationMs: number): Promise<void>;
}
