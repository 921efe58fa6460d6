// Starting and stopping the Step Functions executions of a session. Executions are named by session id, so a
// second start is a no-op rather than a second workflow. A teardown that died (failed, timed out, aborted) is run again
// under a new name — names are never reusable — `<session>-r<run>`, run 1, 2, … (run 0 is the session id itself).

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionInfo {
  execution_arn: string;
  status: ExecutionStatus;
}

export interface Workflows {
  /** the ARNs the executions of a session have (or will have): named by the session id (teardown: and its run) */
  executionArns(sessionId: string, teardownRun?: number): { provisioning: string; teardown: string };
  /** starts (or finds) the provisioning execution of the session */
  startProvisioning(sessionId: string): Promise<ExecutionInfo>;
  /** stops it if running; unknown or finished executions are fine */
  stopProvisioning(sessionId: string, reason: string): Promise<void>;
  describeProvisioning(sessionId: string): Promise<ExecutionInfo | undefined>;
  /** starts (or finds) the teardown execution of the session: run 0 unless told */
  startTeardown(sessionId: string, run?: number): Promise<ExecutionInfo>;
  describeTeardown(sessionId: string, run?: number): Promise<ExecutionInfo | undefined>;
}

/** An execution that ended without its work done: nothing will carry it on. */
export const isDeadExecution = (status: ExecutionStatus): boolean =>
  status === 'FAILED' || status === 'TIMED_OUT' || status === 'ABORTED';

/** The execution name of a session's teardown run. */
export const teardownExecutionName = (sessionId: string, run = 0): string => (run > 0 ? `${sessionId}-r${run}` : sessionId);
