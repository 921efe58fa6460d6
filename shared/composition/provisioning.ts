// Wiring of the provisioning tasks to real adapters, from the environment, once per process.
import { sharedBudgetWatch } from './budgets.ts';
import { DynamoVerificationHistory } from '../adapters/dynamodb/verification-history.ts';
import { inventoryFromEnv } from '../adapters/dynamodb/inventory-from-env.ts';
import { secretCipherFromEnv } from '../adapters/secrets/secret-cipher-from-env.ts';
import { FetchApiProber } from '../adapters/http/api-prober.ts';
import { numberEnv } from '../config.ts';
import type { SshProber } from '../ports/ssh-prober.ts';
import { DEFAULT_PROVISIONING_SETTINGS, type ProvisioningDeps, type ProvisioningSettings } from '../use-cases/provisioning/deps.ts';
import { instanceDeps } from './instance-deps.ts';
import { realSleep, sharedStores } from './shared-clients.ts';

/** Tunables, overridable for benchmarks and tests; the defaults are the product's. */
export function provisioningSettingsFromEnv(): ProvisioningSettings {
  const d = DEFAULT_PROVISIONING_SETTINGS;
  return {
    probeIntervalMs: numberEnv('SSH_PROBE_INTERVAL_MS', d.probeIntervalMs, { min: 50 }),
    probeTimeoutMs: numberEnv('SSH_PROBE_TIMEOUT_MS', d.probeTimeoutMs, { min: 100 }),
    loginTimeoutMs: numberEnv('SSH_LOGIN_TIMEOUT_MS', d.loginTimeoutMs, { min: 500 }),
    providerCheckIntervalMs: numberEnv('PROVIDER_CHECK_INTERVAL_MS', d.providerCheckIntervalMs, { min: 100 }),
    verifyRoundMs: numberEnv('VERIFY_ROUND_SECONDS', d.verifyRoundMs / 1000, { min: 1 }) * 1000,
    createListLagMs: numberEnv('CREATE_LIST_LAG_SECONDS', d.createListLagMs / 1000, { min: 0 }) * 1000,
    defaultDiskGb: numberEnv('DEFAULT_DISK_GB', d.defaultDiskGb, { min: 8 }),
    defaultSshDeadlineMs: numberEnv('SSH_DEADLINE_SECONDS', d.defaultSshDeadlineMs / 1000, { min: 1 }) * 1000,
    authRejectionWindowMs: numberEnv('AUTH_REJECTION_WINDOW_SECONDS', d.authRejectionWindowMs / 1000, { min: 0 }) * 1000,
    apiProbeIntervalMs: numberEnv('API_PROBE_INTERVAL_MS', d.apiProbeIntervalMs, { min: 50 }),
    apiProbeTimeoutMs: numberEnv('API_PROBE_TIMEOUT_MS', d.apiProbeTimeoutMs, { min: 100 }),
    defaultApiDeadlineMs: numberEnv('API_DEADLINE_SECONDS', d.defaultApiDeadlineMs / 1000, { min: 1 }) * 1000,
  };
}

/**
 * Only VerifySsh probes SSH, and it brings its own prober (functions/tasks/verify-ssh.ts): ssh2 stays out of every
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
