import type { BudgetWatch } from '../costs/budget-watch.ts';
import type { ApiProber } from '../../ports/api-prober.ts';
import type { CostLedger } from '../../ports/cost-ledger.ts';
import type { InventoryReader, OfferHealthRecorder } from '../../ports/inventory.ts';
import type { MetricsSink } from '../../ports/metrics.ts';
import type { ProviderRegistry } from '../../ports/provider.ts';
import type { SecretCipher } from '../../ports/secret-cipher.ts';
import type { SessionEventLog } from '../../ports/session-events.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import type { SshProber } from '../../ports/ssh-prober.ts';
import type { VerificationHistory } from '../../ports/verification-history.ts';

export interface ProvisioningSettings {
  /** pause between SSH probes inside one verification round */
  probeIntervalMs: number;
  /** TCP connect + banner budget of one probe */
  probeTimeoutMs: number;
  /** key login + `echo ok` budget, once the banner answers */
  loginTimeoutMs: number;
  /** how often the provider's own status is consulted while probing (its API is rate limited) */
  providerCheckIntervalMs: number;
  /**
   * how long one VerifySsh invocation keeps probing before handing back to the state machine. Long, because a
   * round boundary (three state transitions: IsSshReady, WaitForSsh, VerifySsh) costs as much as 45 s of a 128 MB
   * Lambda: fewer, longer rounds wait out a slow boot more cheaply. The task timeout (180 s) must exceed it.
   */
  verifyRoundMs: number;
  /** how long a provider's listing may lag behind a create (a create in doubt waits this long) */
  createListLagMs: number;
  /** disk requested when the request names none */
  defaultDiskGb: number;
  /** SSH verification deadline when neither the request nor history decides it */
  defaultSshDeadlineMs: number;
  /** genuine auth rejections must go on at least this long before they fail the attempt (keys propagate slowly) */
  authRejectionWindowMs: number;
  /** pause between health probes of an entrypoint server (models take minutes to load; no need to ask every second) */
  apiProbeIntervalMs: number;
  /** budget of one health probe */
  apiProbeTimeoutMs: number;
  /** the entrypoint server's deadline for an ordinary image; heavy images (vLLM, TGI) get a multiple of it */
  defaultApiDeadlineMs: number;
}

export const DEFAULT_PROVISIONING_SETTINGS: ProvisioningSettings = {
  probeIntervalMs: 1000,
  probeTimeoutMs: 3000,
  loginTimeoutMs: 10_000,
  providerCheckIntervalMs: 15_000,
  verifyRoundMs: 120_000,
  createListLagMs: 120_000,
  defaultDiskGb: 50,
  defaultSshDeadlineMs: 10 * 60_000,
  authRejectionWindowMs: 20_000,
  apiProbeIntervalMs: 5000,
  apiProbeTimeoutMs: 5000,
  defaultApiDeadlineMs: 10 * 60_000,
};

export interface ProvisioningDeps {
  sessions: SessionStore;
  events: SessionEventLog;
  providers: ProviderRegistry;
  prober: SshProber;
  apiProber: ApiProber;
  cipher: SecretCipher;
  costs: CostLedger;
  inventory: InventoryReader;
  offerHealth: OfferHealthRecorder;
  history: VerificationHistory;
  metrics: MetricsSink;
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  deploymentId: string;
  settings: ProvisioningSettings;
  watchBudget?: BudgetWatch;
}

/** What every provisioning task receives and returns: ids only, never keys or credentials. */
export interface TaskState {
  session_id: string;
  attempt: number;
}
