import type { ReadinessCheck } from '../ports/readiness.ts';
import type { InventorySnapshotReader } from '../ports/inventory-storage.ts';

/** Ready once at least one provider has a good snapshot: before that, every inventory answer would be empty. */
export class InventoryReadiness implements ReadinessCheck {
  readonly name = 'inventory';
  constructor(private readonly snapshots: Pick<InventorySnapshotReader, 'heads'>) {}

  async check(): Promise<string | undefined> {
    const heads = await this.snapshots.heads();
    if (heads.some((h) => h.version > 0)) return undefined;
    const errors = heads.filter((h) => h.last_error).map((h) => `${h.provider}: ${h.last_error}`);
    return errors.length ? `no inventory snapshot yet (${errors.join('; ')})` : 'no inventory snapshot yet';
  }
}
