// A session: one consumer's rental of one GPU offer, from request to teardown. `status` carries the exact strings
// clients depend on; everything finer (phase, attempts, verification figures) lives in other fields.
import type { Endpoint } from './instance.ts';
import type { Offer, ProviderName } from './offer.ts';
import type { Workload } from './workload.ts';

export const SESSION_STATUSES = ['pending', 'provisioning', 'running', 'stopping', 'stopped', 'failed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const ACTIVE_STATUSES: readonly SessionStatus[] = ['pending', 'provisioning', 'running'];
const TERMINAL_STATUSES: readonly SessionStatus[] = ['stopped', 'failed'];

/** A reserved hour (reservation_hours, extensions, the hard maximum) */
export const HOUR_MS = 3_600_000;

export const isActive = (s: SessionStatus) => ACTIVE_STATUSES.includes(s);
export const isTerminal = (s: SessionStatus) => TERMINAL_STATUSES.includes(s);

/** Where provisioning or teardown stands; never a client-visible status. */
export type SessionPhase =
  | 'queued'
  | 'creating_instance'
  | 'verifying_ssh'
  | 'verifying_api'
  | 'ready'
  | 'destroying'
  | 'refunding'
  | 'failed'
  | 'stopping'
  | 'stopped';

export const WORKLOAD_TYPES = [
  'llm',
  'llm_vllm',
  'llm_tgi',
  'training',
  'batch',
  'interactive',
  'inference',
  'ssh',
  'benchmark',
] as const;
export type WorkloadType = (typeof WORKLOAD_TYPES)[number];

export const RETRY_SCOPES = ['same_gpu', 'same_vram', 'any'] as const;
export type RetryScope = (typeof RETRY_SCOPES)[number];

/** Why a provisioning attempt or a session failed; sent to clients as `error_type`. */
/** Every way an attempt or a session can fail, as clients and metrics see it (also the provisioning Fail's Error). */
export const FAILURE_TYPES = [
  'ssh_timeout',
  'instance_stopped',
  'instance_vanished',
  'stale_inventory',
  'auth_rejected',
  'provider_error',
  'api_timeout',
  'destroy_failed',
] as const;

export type FailureType = (typeof FAILURE_TYPES)[number];

export type EndReason = 'consumer_done' | 'deleted' | 'expired' | 'hard_max' | 'provisioning_failed' | 'ghost' | 'budget_exceeded' | 'idle';

type AttemptOutcome = 'in_progress' | 'running' | 'failed' | 'ended';

/** One instance attempt inside a session: an offer, and the instance made for it (if any). */
export interface Attempt {
  n: number;
  /** the offer as inventory described it when the attempt began (create needs its provider-side details) */
  offer: Offer;
  offer_id: string;
  provider: ProviderName;
  gpu_type: string;
  host_id?: string;
  price_per_hour: number;
  started_at: string;
  /** set just before the provider create call: a crash after it means an instance may exist without an id */
  create_started_at?: string;
  /** the slot the shared pacing keeps for this attempt's create (a long queue of creates): the next try takes it */
  create_slot_at?: string;
  instance_id?: string;
  instance_created_at?: string;
  /** confirmed gone at the provider */
  destroyed_at?: string;
  outcome: AttemptOutcome;
  error_type?: FailureType;
  error?: string;
  /** the failure was reported to offer health and metrics (so a retried task does not count it twice) */
  failure_recorded?: boolean;
}

export interface Verification {
  started_at: string;
  deadline_at: string;
  /** the deadline before any extension for a provider still loading */
  base_deadline_at: string;
  /** where the deadline came from: request override, learned history or the default */
  deadline_source: 'request' | 'learned' | 'default';
  attempts: number;
  last_class?: string;
  last_provider_status?: string;
  consecutive_auth_rejections: number;
  /** where SSH is expected, as the provider last said (kept so the next round can probe at once) */
  endpoint?: Endpoint & { user: string };
  first_auth_rejection_at?: string;
  ready_at?: string;
  duration_ms?: number;
}

/** The entrypoint server's verification (after SSH where the instance offers it): its own deadline and probes. */
export interface ApiVerification {
  attempt: number;
  started_at: string;
  deadline_at: string;
  base_deadline_at: string;
  deadline_source: 'request' | 'default';
  attempts: number;
  /** where the probes go, once the provider has mapped the port */
  url?: string;
  last_class?: string;
  last_status?: number;
  last_provider_status?: string;
  ready_at?: string;
  duration_ms?: number;
}

/** Where the entrypoint server answers, once it has. */
interface ApiEndpoint {
  /** base URL for clients: http://host:port, plus /v1 for OpenAI-compatible servers */
  endpoint: string;
  host: string;
  /** the externally reachable port */
  port: number;
  /** the port inside the instance */
  container_port: number;
}

export interface Session {
  id: string;
  consumer_id: string;
  status: SessionStatus;
  phase: SessionPhase;
  /** the offer the consumer asked for */
  requested_offer_id: string;
  /** the offer of the current attempt */
  offer_id: string;
  provider: ProviderName;
  gpu_type: string;
  gpu_count: number;
  vram_gb: number;
  price_per_hour: number;
  workload_type: WorkloadType;
  reservation_hours: number;
  created_at: string;
  expires_at: string;
  /** created_at + the hard maximum: no extension passes it */
  hard_max_at: string;
  /** when the end was asked for (DELETE, done, expiry, hard max) */
  teardown_requested_at?: string;
  stopped_at?: string;
  ended_reason?: EndReason;
  auto_retry: boolean;
  max_retries: number;
  retry_scope: RetryScope;
  retry_count: number;
  attempts: Attempt[];
  failed_offers: string[];
  failed_hosts: string[];
  ssh?: Endpoint & { user: string };
  host_key_fingerprint?: string;
  ssh_timeout_minutes?: number;
  /** image, template, model, disk and launch mode; absent on sessions created before workloads existed */
  workload?: Workload;
  verification?: Verification;
  api_verification?: ApiVerification;
  api?: ApiEndpoint;
  last_provider_status?: string;
  error?: string;
  error_type?: FailureType;
  retry_suggested?: boolean;
  execution_arn?: string;
  teardown_execution_arn?: string;
  /** which teardown execution is current: 0 (absent) the first, n the sweep's n-th restart of a dead one */
  teardown_run?: number;
  /** end the session after this many minutes of unused GPUs and no SSH login (idle auto-stop) */
  idle_stop_minutes?: number;
  /** since when every idle check found it idle (cleared by an active one) */
  idle_since?: string;
  /** the idle warning (session.expiring, reason idle) for the current idle stretch went out */
  idle_warned_at?: string;
  /** the expires_at the consumer was warned about (session.expiring); an extension moves expires_at past it */
  expiry_warned_for?: string;
  /** money reserved against the consumer's month (see domain/budget-hold.ts): price × reserved hours until settled */
  hold_usd?: number;
  /** the month (YYYY-MM, UTC) the hold counts against: the creation month */
  hold_month?: string;
  /** what the ledger billed, once the hold is settled */
  settled_usd?: number;
  hold_settled_at?: string;
  /** optimistic-lock counter, incremented by every write */
  version: number;
}

export function currentAttempt(session: Session): Attempt | undefined {
  return session.attempts.at(-1);
}

export function attemptOf(session: Session, n: number): Attempt | undefined {
  return session.attempts.find((a) => a.n === n);
}

/** Failure types worth retrying on another offer (the consumer did nothing wrong and another host may work). */
export function retrySuggested(type: FailureType): boolean {
  return type !== 'destroy_failed';
}
