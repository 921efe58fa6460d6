// Starting and stopping the Step Functions executions of a session. Executions are named by session id, so a
// second start is a no-op rather than a second workflow.

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionInfo {
  execution_arn: string;
  status: ExecutionStatus;
}

export interface Workflows {
  /** the ARNs the executions of a session have (or will have): they are named by the session id */
  executionArns(sessionId: string): { provisioning: string; teardown: string };
  /** starts (or finds) the provisioning execution of the session */
  startProvisioning(sessionId: string): Promise<ExecutionInfo>;
  /** stops it if running; unknown or finished executions are fine */
  stopProvisioning(sessionId: string, reason: string): Promise<void>;
  describeProvisioning(sessionId: string): Promise<ExecutionInfo | undefined>;
  /** starts (or finds) the teardown execution of the session */
  startTeardown(sessionId: string): Promise<ExecutionInfo>;
  describeTeardown(sessionId: string): Promise<ExecutionInfo | undefined>;
}
