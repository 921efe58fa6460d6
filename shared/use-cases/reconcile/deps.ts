import type { CostLedger } from '../../ports/cost-ledger.ts';
import type { MetricsSink } from '../../ports/metrics.ts';
import type { ProviderRegistry } from '../../ports/provider.ts';
import type { ReconcilerMemoryStore } from '../../ports/reconciler-memory.ts';
import type { SessionEventLog } from '../../ports/session-events.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import type { Workflows } from '../../ports/workflows.ts';

export interface ReconcileSettings {
  /**
   * Minimum age before an unowned instance is an orphan, and before a running session's missing instance counts as
   * missed: covers creates in flight and the providers' listing lag.
   */
  orphanGraceMs: number;
}

export const DEFAULT_ORPHAN_GRACE_SECONDS = 600;

export interface ReconcileDeps {
  sessions: SessionStore;
  events: SessionEventLog;
  costs: CostLedger;
  workflows: Workflows;
  providers: ProviderRegistry;
  memory: ReconcilerMemoryStore;
  metrics: MetricsSink;
  clock: () => Date;
  deploymentId: string;
  settings: ReconcileSettings;
}
