// A session's timeline: what happened, when, and why. Events never carry secrets.

export type SessionEventType =
  | 'session_created'
  | 'provisioning_started'
  | 'attempt_started'
  | 'instance_create_requested'
  | 'instance_create_queued'
  | 'instance_created'
  | 'provider_status'
  | 'ssh_attempt'
  | 'ssh_verified'
  | 'ssh_skipped'
  | 'api_attempt'
  | 'api_ready'
  | 'running'
  | 'attempt_failed'
  | 'instance_destroyed'
  | 'destroy_retrying'
  | 'refund_recorded'
  | 'retrying'
  | 'failed'
  | 'teardown_requested'
  | 'teardown_started'
  | 'teardown_restarted'
  | 'extended'
  | 'stopped'
  | 'reconciled';

export interface SessionEvent {
  type: SessionEventType;
  at: string;
  attempt?: number;
  message?: string;
  [detail: string]: unknown;
}

export interface SessionEventLog {
  /** one write for all of them: a verification round records its probes in one call */
  append(sessionId: string, events: SessionEvent[]): Promise<void>;
  list(sessionId: string): Promise<SessionEvent[]>;
}
