import type { CostLedger } from '../../ports/cost-ledger.ts';
import type { BudgetWatch } from '../costs/budget-watch.ts';
import type { MetricsSink } from '../../ports/metrics.ts';
import type { ProviderRegistry } from '../../ports/provider.ts';
import type { SessionEventLog } from '../../ports/session-events.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import type { Workflows } from '../../ports/workflows.ts';

export interface TeardownDeps {
  sessions: SessionStore;
  events: SessionEventLog;
  workflows: Workflows;
  providers: ProviderRegistry;
  costs: CostLedger;
  metrics: MetricsSink;
  clock: () => Date;
  deploymentId: string;
  /** how long a provider's listing may lag behind a create still in flight */
  createListLagMs: number;
  watchBudget?: BudgetWatch;
}
