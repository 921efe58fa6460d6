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
  /** email subscribed to the stack's alarm topic */
  alarmEmail?: string;
  /** an existing SNS topic (the team's pager) that alarms notify instead of the stack's own topic */
  alarmTopicArn?: string;
  /** 'none': deployed without anyone paged, on purpose (a dev stack); otherwise a destination is required */
  alarms: 'page' | 'none';
  /** authMode none was asked for knowingly: anyone who finds the URL can rent GPUs */
  allowPublicApi: boolean;
  /** email subscribed to the budget alert topic (optional: finance or the consumers' owners) */
  budgetAlertEmail?: string;
  logRetentionDays: number;
}

const DEPLOYMENT_ID = /^[a-z0-9][a-z0-9-]{2,23}$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** A context value given as text; an empty string counts as not given (`-c alarmEmail=` in a script). */
function text(node: Node, key: string): string | undefined {
  const raw = node.tryGetContext(key);
  if (raw === undefined || raw === null || String(raw).trim() === '') return undefined;
  return String(raw).trim();
}

/** `-c key=true` arrives as the string "true", cdk.json as a boolean. */
function flag(node: Node, key: string): boolean {
  const raw = node.tryGetContext(key);
  return raw === true || raw === 'true';
}

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
  const allowPublicApi = flag(node, 'allowPublicApi');
  if (authMode === 'none' && !allowPublicApi) {
    throw new Error(
      'authMode=none deploys an API anyone on the internet can use to rent GPUs on your provider accounts; ' +
        'pass -c allowPublicApi=true as well if that is really meant',
    );
  }
  const alarmEmail = text(node, 'alarmEmail');
  const alarmTopicArn = text(node, 'alarmTopicArn');
  if (alarmTopicArn !== undefined && !SNS_TOPIC_ARN.test(alarmTopicArn)) {
    throw new Error(`alarmTopicArn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got ${alarmTopicArn}`);
  }
  const alarms = String(node.tryGetContext('alarms') ?? 'page');
  if (alarms !== 'page' && alarms !== 'none') throw new Error(`alarms must be page or none, got ${alarms}`);
  if (alarms === 'page' && alarmEmail === undefined && alarmTopicArn === undefined) {
    throw new Error(
      'no alarm destination: the alarms (destroy failures, orphaned instances, SSH verification failures…) would notify nobody. ' +
        'Pass -c alarmEmail=<address> or -c alarmTopicArn=<existing SNS topic ARN>, or -c alarms=none to deploy without paging on purpose.',
    );
  }
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
    alarmEmail,
    alarmTopicArn,
    alarms,
    allowPublicApi,
    budgetAlertEmail: node.tryGetContext('budgetAlertEmail') as string | undefined,
    logRetentionDays: num('logRetentionDays', 30),
  };
}
