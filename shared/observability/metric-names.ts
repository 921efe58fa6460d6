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
  ApiVerificationDuration: 'ApiVerificationDuration',
  ProvisioningDuration: 'ProvisioningDuration',
  ProvisioningAttemptsFailed: 'ProvisioningAttemptsFailed',
  ProvisioningRetries: 'ProvisioningRetries',
  InstancesDestroyed: 'InstancesDestroyed',
  DestroyFailures: 'DestroyFailures',
  TeardownDuration: 'TeardownDuration',
  TeardownPendingSeconds: 'TeardownPendingSeconds',
  /** teardown executions that died (failed, timed out, aborted) and were started again by the sweep */
  TeardownsRestarted: 'TeardownsRestarted',
  Refunds: 'Refunds',
  RefundedAmount: 'RefundedAmount',
  /** the reconciler: this deployment's instances no active session owns, past the grace period */
  OrphansFound: 'OrphansFound',
  OrphansDestroyed: 'OrphansDestroyed',
  /** running sessions whose instance vanished from two complete listings */
  GhostsFound: 'GhostsFound',
  ReconcileListingFailures: 'ReconcileListingFailures',
  /** instances of other deployments, unlabelled or from the old system: counted, never touched */
  ReconcileInstancesIgnored: 'ReconcileInstancesIgnored',
  ApiKeysRejected: 'ApiKeysRejected',
  AuthorizerErrors: 'AuthorizerErrors',
  /** failures no handler expected, from every function (the FunctionErrors alarm) */
  UnhandledErrors: 'UnhandledErrors',
  /** consumer events accepted by the bus (issue 18) */
  ConsumerEventsPublished: 'ConsumerEventsPublished',
  /** consumer events the bus refused or could not be reached for: lost to webhooks, logged by id */
  ConsumerEventsFailed: 'ConsumerEventsFailed',
  /** webhook delivery attempts, by outcome (delivered, retrying, dead_lettered, refused) */
  WebhookDeliveries: 'WebhookDeliveries',
  /** milliseconds from the event to its successful delivery */
  WebhookDeliveryLatency: 'WebhookDeliveryLatency',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
