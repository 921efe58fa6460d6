// Every metric the code emits (EMF, namespace GpuShopper, default dimension `service`), in one place: the alarms and
// the dashboard in infra/ are built from these names, and a test checks that each name they use is emitted.

export const METRIC = {
  SessionsCreated: 'SessionsCreated',
  SessionsFailed: 'SessionsFailed',
  SessionsEnded: 'SessionsEnded',
  SessionsExpired: 'SessionsExpired',
  SessionsHardMaxed: 'SessionsHardMaxed',
  SshVerificationDuration: 'SshVerificationDuration',
  SshVerificationAttempts: 'SshVerificationAttempts',
  SshVerificationFailed: 'SshVerificationFailed',
  ProvisioningDuration: 'ProvisioningDuration',
  ProvisioningAttemptsFailed: 'ProvisioningAttemptsFailed',
  ProvisioningRetries: 'ProvisioningRetries',
  InstancesDestroyed: 'InstancesDestroyed',
  DestroyFailures: 'DestroyFailures',
  TeardownDuration: 'TeardownDuration',
  TeardownPendingSeconds: 'TeardownPendingSeconds',
  Refunds: 'Refunds',
  RefundedAmount: 'RefundedAmount',
  ApiKeysRejected: 'ApiKeysRejected',
  AuthorizerErrors: 'AuthorizerErrors',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
