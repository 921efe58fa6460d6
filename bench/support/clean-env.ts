// A section runs on the product's defaults and the simulated marketplaces only, whatever the caller's shell holds:
// a real VASTAI_API_KEY must never make a benchmark rent real GPUs, and a tuned SSH_PROBE_INTERVAL_MS must not
// flatter a figure. Every setting the product reads is taken out of the section's environment.

const SETTINGS = new Set([
  'PORT',
  'HOST',
  'DATA_DIR',
  'DEPLOYMENT_ID',
  'TABLE_NAME',
  'DYNAMODB_ENDPOINT',
  'SFN_ENDPOINT',
  'GPU_SHOPPER_LOCAL',
  'APP_VERSION',
  'AUTH_MODE',
  'HARD_MAX_HOURS',
  'ORPHAN_GRACE_SECONDS',
  'EXPIRY_SWEEP_SECONDS',
  'RECONCILE_SECONDS',
  'PROVIDER_SECRET_ARN',
  'PROVISIONING_STATE_MACHINE_ARN',
  'TEARDOWN_STATE_MACHINE_ARN',
  'CREATE_LIST_LAG_SECONDS',
  'VERIFY_ROUND_SECONDS',
  'PROVIDER_CHECK_INTERVAL_MS',
  'AUTH_REJECTION_WINDOW_SECONDS',
  'DEFAULT_DISK_GB',
]);
const PREFIXES = ['SIM_', 'VASTAI_', 'TENSORDOCK_', 'SSH_', 'INVENTORY_', 'POWERTOOLS_', 'AWS_'];

export function sectionEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (SETTINGS.has(key) || PREFIXES.some((p) => key.startsWith(p))) continue;
    clean[key] = value;
  }
  clean['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  return clean;
}
