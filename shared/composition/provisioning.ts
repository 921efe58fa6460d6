// Wiring of the provisioning tasks to real adapters, from the environment, once per process.
import { sharedBudgetWatch } from './budgets.ts';
import { DynamoVerificationHistory } from '../adapters/dynamodb/verification-history.ts';
import { FetchApiProber } from '../adapters/http/api-prober.ts';
import { type Config, config } from '../config.ts';
import type { SshProber } from '../ports/ssh-prober.ts';
import type { ProvisioningDeps, ProvisioningSettings } from '../use-cases/provisioning/deps.ts';
import { instanceDeps } from './instance-deps.ts';
import { inventoryFromEnv } from './inventory.ts';
import { secretCipherFromEnv } from './secret-cipher.ts';
import { realSleep, sharedStores } from './shared-clients.ts';

/** Tunables, overridable for benchmarks and tests; the defaults (the schema's) are the product's. */
export function provisioningSettingsFromEnv(c: Config = config()): ProvisioningSettings {
  return {
    probeIntervalMs: c.get('SSH_PROBE_INTERVAL_MS'),
    probeTimeoutMs: c.get('SSH_PROBE_TIMEOUT_MS'),
    loginTimeoutMs: c.get('SSH_LOGIN_TIMEOUT_MS'),
    providerCheckIntervalMs: c.get('PROVIDER_CHECK_INTERVAL_MS'),
    verifyRoundMs: c.get('VERIFY_ROUND_SECONDS') * 1000,
    createListLagMs: c.get('CREATE_LIST_LAG_SECONDS') * 1000,
    defaultDiskGb: c.get('DEFAULT_DISK_GB'),
    defaultSshDeadlineMs: c.get('SSH_DEADLINE_SECONDS') * 1000,
    authRejectionWindowMs: c.get('AUTH_REJECTION_WINDOW_SECONDS') * 1000,
    apiProbeIntervalMs: c.get('API_PROBE_INTERVAL_MS'),
    apiProbeTimeoutMs: c.get('API_PROBE_TIMEOUT_MS'),
    defaultApiDeadlineMs: c.get('API_DEADLINE_SECONDS') * 1000,
  };
}

/**
 * Only VerifySsh probes SSH, and it brings its own prober (verify-ssh.ts here): ssh2 stays out of every
 * other task's bundle.
 */
const noSshProber: SshProber = {
  probe: () => Promise.reject(new Error('this function does not probe SSH; only VerifySsh does')),
};

let deps: Promise<ProvisioningDeps> | undefined;

export function provisioningDeps(): Promise<ProvisioningDeps> {
  deps ??= (async () => {
    const { db, tableName } = sharedStores();
    const inventory = inventoryFromEnv();
    const { workflows: _workflows, ...common } = instanceDeps();
    return {
      ...common,
      prober: noSshProber,
      apiProber: new FetchApiProber(),
      cipher: secretCipherFromEnv(),
      inventory: inventory.service,
      offerHealth: inventory.health,
      history: new DynamoVerificationHistory(db, tableName),
      sleep: realSleep,
      settings: provisioningSettingsFromEnv(),
      watchBudget: sharedBudgetWatch({ stops: false }),
    };
  })();
  return deps;
}
