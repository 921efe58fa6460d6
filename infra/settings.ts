// Deployed settings, from CDK context (`cdk deploy -c key=value` or cdk.json). The same names and defaults as the
// local runtime's environment variables (README "Configuration").
import type { Node } from 'constructs';

export interface StackSettings {
  /** written into every instance label; derived from the stack name unless given */
  deploymentId: string;
  inventoryRefreshSeconds: number;
  /** a snapshot older than this is not served */
  inventoryMaxAgeSeconds: number;
  /** a provider's inventory alarm fires when its snapshot is older than this */
  inventoryStaleAlarmSeconds: number;
  expirySweepSeconds: number;
  reconcileSeconds: number;
  orphanGraceSeconds: number;
  hardMaxHours: number;
  authMode: 'api-key' | 'none';
  /** seconds API Gateway caches an authorizer answer per Authorization header (0: no cache) */
  authCacheSeconds: number;
  /** HTTP API stage throttling: steady requests per second and burst */
  throttleRateLimit: number;
  throttleBurstLimit: number;
  /** email subscribed to the alarm topic (optional) */
  alarmEmail?: string;
  /** email subscribed to the budget alert topic (optional: finance or the consumers' owners) */
  budgetAlertEmail?: string;
  logRetentionDays: number;
}

const DEPLOYMENT_ID = /^[a-z0-9][a-z0-9-]{2,23}$/;

export function readSettings(node: Node, stackName: string): StackSettings {
  const num = (key: string, fallback: number) => {
    const raw = node.tryGetContext(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`context ${key} must be a positive number, got ${raw}`);
    return value;
  };
  const whole = (key: string, fallback: number, min: number, max: number) => {
    const raw = node.tryGetContext(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`context ${key} must be a whole number from ${min} to ${max}, got ${raw}`);
    }
    return value;
  };
  const deploymentId = String(node.tryGetContext('deploymentId') ?? stackName.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 24));
  if (!DEPLOYMENT_ID.test(deploymentId)) {
    throw new Error(`deploymentId "${deploymentId}" must match ${DEPLOYMENT_ID} (it is written into provider labels)`);
  }
  const authMode = String(node.tryGetContext('authMode') ?? 'api-key');
  if (authMode !== 'api-key' && authMode !== 'none') throw new Error(`authMode must be api-key or none, got ${authMode}`);
  return {
    deploymentId,
    inventoryRefreshSeconds: num('inventoryRefreshSeconds', 60),
    inventoryMaxAgeSeconds: num('inventoryMaxAgeSeconds', 600),
    inventoryStaleAlarmSeconds: num('inventoryStaleAlarmSeconds', 900),
    expirySweepSeconds: num('expirySweepSeconds', 60),
    reconcileSeconds: num('reconcileSeconds', 300),
    orphanGraceSeconds: num('orphanGraceSeconds', 600),
    hardMaxHours: num('hardMaxHours', 12),
    authMode,
    authCacheSeconds: whole('authCacheSeconds', 60, 0, 3600),
    throttleRateLimit: num('throttleRateLimit', 50),
    throttleBurstLimit: whole('throttleBurstLimit', 100, 1, 5000),
    alarmEmail: node.tryGetContext('alarmEmail') as string | undefined,
    budgetAlertEmail: node.tryGetContext('budgetAlertEmail') as string | undefined,
    logRetentionDays: num('logRetentionDays', 30),
  };
}
