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
  /** one per SSH verification that failed, by provider, GPU type and failure class, the moment it failed */
  SshVerificationFailed: 'SshVerificationFailed',
  /**
   * one per SSH verification that ended: +1 failed, −1 verified (SampleCount: verifications; Sum: failures minus
   * successes), service-wide and by provider and GPU type: the SSH failure-rate alarms read it
   */
  SshVerificationOutcome: 'SshVerificationOutcome',
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
  /** a Step Functions task that crashed or timed out past its retries, seen where its error was caught */
  TaskCrashes: 'TaskCrashes',
  /** API answers that are server faults: every 5xx but 503 stale_inventory (the ApiServerErrors alarm) */
  ApiServerFaults: 'ApiServerFaults',
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
