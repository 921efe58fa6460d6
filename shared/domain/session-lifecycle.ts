// The session lifecycle: every change of a session's status or phase, and the attempt bookkeeping that goes with it,
// in one place. Each transition is a pure function of the session as stored; it returns the fields to write, or
// undefined when its guard refuses (the session has moved on). SessionStore.apply persists exactly what it returns,
// under the optimistic lock, so a transition may run more than once and must decide only from its arguments.
// test/unit/session-lifecycle.test.ts holds the (state, event) → state table, and checks the README diagram with it.
import { ConflictError, ValidationError } from './errors.ts';
import { SessionEndedError } from './provisioning-errors.ts';
import type { Offer } from './offer.ts';
import {
  type ApiVerification,
  type Attempt,
  attemptOf,
  currentAttempt,
  type EndReason,
  type FailureType,
  isActive,
  isTerminal,
  retrySuggested,
  type Session,
  type Verification,
} from './session.ts';
import { holdFor } from './budget-hold.ts';
import { round6 } from './costs.ts';

/** The fields a transition writes, or undefined: the guard refused and the session stays as it is. */
export type SessionChange = Partial<Session> | undefined;

function withAttempt(s: Session, n: number, change: (a: Attempt) => Attempt): Attempt[] {
  return s.attempts.map((a) => (a.n === n ? change(a) : a));
}

/** an attempt begun but never tried (the session ended before its create) is over too */
function endOpenAttempts(s: Session): Attempt[] {
  return s.attempts.map((a) => (a.outcome === 'in_progress' ? { ...a, outcome: 'ended' as const } : a));
}

/** Attempt n on `offer`, as inventory described it when the attempt began. */
export function newAttempt(n: number, offer: Offer, now: Date): Attempt {
  return {
    n,
    offer,
    offer_id: offer.id,
    provider: offer.provider,
    gpu_type: offer.gpu_type,
    host_id: offer.host_id,
    price_per_hour: offer.price_per_hour,
    started_at: now.toISOString(),
    outcome: 'in_progress',
  };
}

// ── provisioning ────────────────────────────────────────────────────────────────────────────────────────────────

/** The session a provisioning task works on, as read: one no longer provisioning stops the execution. */
export function requireProvisioning(session: Session | undefined, sessionId: string): Session {
  if (session?.status !== 'provisioning') {
    throw new SessionEndedError(`session ${sessionId} is ${session?.status ?? 'unknown'}; provisioning stops`);
  }
  return session;
}

/** The attempt a provisioning task was given; a session without it has nothing left for the task to do. */
export function requireAttempt(session: Session, n: number): Attempt {
  const attempt = attemptOf(session, n);
  if (!attempt) throw new SessionEndedError(`session ${session.id} has no attempt ${n}`);
  return attempt;
}

/** pending → provisioning: the execution takes up the session's first attempt. */
export function beginProvisioning(s: Session): SessionChange {
  return s.status === 'pending' ? { status: 'provisioning', phase: 'creating_instance' } : undefined;
}

/** Just before the provider's create call: a crash after it means an instance may exist without an id. */
export function markCreateStarted(s: Session, n: number, at: string): SessionChange {
  if (s.status !== 'provisioning') return undefined;
  // a kept slot is used by this call (or given up with it)
  return { attempts: withAttempt(s, n, ({ create_slot_at: _used, ...a }) => ({ ...a, create_started_at: at })) };
}

/**
 * The shared pacing refused the create before any request left (or the only ones were refused with 429): nothing can
 * exist, so the mark goes again and the retry rents at once instead of waiting out an in-doubt create's listing lag.
 * Only the mark this call made is withdrawn. `slotAt`: the place the pacing kept for the next try.
 */
export function withdrawCreateStart(s: Session, n: number, at: string, slotAt?: string): SessionChange {
  const a = attemptOf(s, n);
  if (!a || a.instance_id || a.create_started_at !== at) return undefined;
  return {
    attempts: withAttempt(s, n, (x) => {
      const { create_started_at: _withdrawn, ...rest } = x;
      return slotAt === undefined ? rest : { ...rest, create_slot_at: slotAt };
    }),
  };
}

/**
 * The attempt's instance exists: recorded whatever the session's status, so a teardown that started meanwhile can
 * find and destroy it; a session still provisioning goes on to verify SSH.
 */
export function recordInstance(
  s: Session,
  n: number,
  instance: { id: string; created_at: string },
  verification: Verification,
): SessionChange {
  const a = attemptOf(s, n);
  if (!a || a.instance_id) return undefined;
  return {
    attempts: withAttempt(s, n, (x) => ({ ...x, instance_id: instance.id, instance_created_at: instance.created_at })),
    ...(s.status === 'provisioning' ? { phase: 'verifying_ssh' as const, verification } : {}),
  };
}

/** The SSH verification's progress after a round of probes (deadline, provider status, probe count). */
export function recordSshProgress(s: Session, progress: Verification): SessionChange {
  return s.status === 'provisioning' ? { verification: progress, last_provider_status: progress.last_provider_status } : undefined;
}

/** The image's entrypoint runs without SSH: verification goes straight to its server. */
export function skipSsh(s: Session, api: ApiVerification): SessionChange {
  return s.status === 'provisioning' && s.api_verification?.attempt !== api.attempt
    ? { phase: 'verifying_api', api_verification: api }
    : undefined;
}

/** What a verified SSH login records: where it answered, and as whom. */
export type SshVerified = Pick<Session, 'ssh' | 'host_key_fingerprint' | 'last_provider_status' | 'verification'>;

/** SSH answered, and an entrypoint server must answer too: the API phase starts. */
export function sshVerified(s: Session, verified: SshVerified, api: ApiVerification): SessionChange {
  return s.status === 'provisioning' ? { ...verified, phase: 'verifying_api', api_verification: api } : undefined;
}

/** The API verification's progress after a round of health probes. */
export function recordApiProgress(s: Session, progress: ApiVerification): SessionChange {
  return s.status === 'provisioning' && s.api_verification?.attempt === progress.attempt ? { api_verification: progress } : undefined;
}

/** provisioning → running: the attempt is usable (SSH verified, or its server answered). */
export function markRunning(
  s: Session,
  n: number,
  verified: Partial<Pick<Session, 'ssh' | 'host_key_fingerprint' | 'last_provider_status' | 'verification' | 'api' | 'api_verification'>>,
): SessionChange {
  if (s.status !== 'provisioning') return undefined;
  return {
    ...verified,
    status: 'running',
    phase: 'ready',
    attempts: withAttempt(s, n, (a) => ({ ...a, outcome: 'running' as const })),
  };
}

/** The attempt failed (once): a session still provisioning destroys its instance next. */
export function failAttempt(s: Session, n: number, failure: { type: FailureType; message: string }): SessionChange {
  const a = attemptOf(s, n);
  if (!a || a.outcome === 'failed') return undefined;
  return {
    phase: s.status === 'provisioning' ? 'destroying' : s.phase,
    attempts: withAttempt(s, n, (x) => ({ ...x, outcome: 'failed' as const, error_type: failure.type, error: failure.message })),
  };
}

/** The attempt's instance is confirmed gone at the provider (the first confirmation counts). */
export function markDestroyed(s: Session, n: number, at: string): SessionChange {
  return { attempts: withAttempt(s, n, (a) => ({ ...a, destroyed_at: a.destroyed_at ?? at })) };
}

/** The failed attempt is refunded and reported: its offer and host are not tried again for this session. */
export function refundAttempt(s: Session, attempt: Pick<Attempt, 'n' | 'offer_id' | 'host_id'>): SessionChange {
  return {
    phase: s.status === 'provisioning' ? 'refunding' : s.phase,
    failed_offers: [...new Set([...s.failed_offers, attempt.offer_id])],
    failed_hosts: attempt.host_id ? [...new Set([...s.failed_hosts, attempt.host_id])] : s.failed_hosts,
    attempts: withAttempt(s, attempt.n, (a) => ({ ...a, failure_recorded: true })),
  };
}

/**
 * The session continues on `offer` as attempt n (same session, same key); its hold grows to cover the new price,
 * never shrinks. The failed attempt's endpoints are gone with its instance.
 */
export function retryOn(s: Session, offer: Offer & { confidence?: number }, n: number, now: Date): SessionChange {
  if (s.status !== 'provisioning' || attemptOf(s, n)) return undefined;
  const { confidence: _confidence, ...snapshot } = offer;
  const hold = holdFor(snapshot.price_per_hour, s.reservation_hours);
  return {
    phase: 'creating_instance',
    retry_count: s.retry_count + 1,
    offer_id: snapshot.id,
    provider: snapshot.provider,
    gpu_type: snapshot.gpu_type,
    gpu_count: snapshot.gpu_count,
    vram_gb: snapshot.vram_gb,
    price_per_hour: snapshot.price_per_hour,
    verification: undefined,
    api_verification: undefined,
    api: undefined,
    ssh: undefined,
    host_key_fingerprint: undefined,
    attempts: [...s.attempts, newAttempt(n, snapshot, now)],
    ...(s.hold_month && !s.hold_settled_at && hold > (s.hold_usd ?? 0) ? { hold_usd: hold } : {}),
  };
}

/** pending or provisioning → failed: no attempt left. The error is the given one, else the attempt's. */
export function failProvisioning(s: Session, at: string, cause: { attempt?: number; failure_type?: FailureType } = {}): SessionChange {
  if (s.status !== 'provisioning' && s.status !== 'pending') return undefined;
  const attempt = (cause.attempt !== undefined && attemptOf(s, cause.attempt)) || currentAttempt(s);
  const errorType = cause.failure_type ?? attempt?.error_type ?? 'provider_error';
  return {
    status: 'failed',
    phase: 'failed',
    stopped_at: at,
    ended_reason: 'provisioning_failed',
    error_type: errorType,
    error: attempt?.error ?? errorType,
    retry_suggested: retrySuggested(errorType),
    attempts: endOpenAttempts(s),
  };
}

/**
 * pending → failed: the provisioning execution never started. Nothing was created, so nothing is billed: the hold
 * is settled at 0 in the same write.
 */
export function abandon(s: Session, at: string): SessionChange {
  return s.status === 'pending'
    ? {
        status: 'failed',
        phase: 'failed',
        error_type: 'provider_error',
        error: 'provisioning could not be started',
        stopped_at: at,
        hold_usd: 0,
        settled_usd: 0,
        hold_settled_at: at,
      }
    : undefined;
}

// ── the reservation ─────────────────────────────────────────────────────────────────────────────────────────────

/**
 * An active session reserves `additionalHours` more, never past created_at + the hard maximum; its hold grows by the
 * added hours at its price. A refusal is the error to answer with.
 */
export function extend(s: Session, additionalHours: number, hourMs: number): Partial<Session> | ConflictError | ValidationError {
  if (!isActive(s.status)) {
    return new ConflictError(`session ${s.id} is ${s.status} and cannot be extended`, { status: s.status }, 'invalid_state');
  }
  const next = Date.parse(s.expires_at) + additionalHours * hourMs;
  if (next > Date.parse(s.hard_max_at)) {
    const hoursLeft = Math.max(0, Math.floor((Date.parse(s.hard_max_at) - Date.parse(s.expires_at)) / hourMs));
    return new ValidationError(
      `extending by ${additionalHours} h would pass the hard maximum at ${s.hard_max_at}`,
      { field: 'additional_hours', hard_max_at: s.hard_max_at, max_additional_hours: hoursLeft },
      'hard_max_exceeded',
    );
  }
  return {
    expires_at: new Date(next).toISOString(),
    reservation_hours: s.reservation_hours + additionalHours,
    ...(s.hold_month && !s.hold_settled_at ? { hold_usd: round6((s.hold_usd ?? 0) + holdFor(s.price_per_hour, additionalHours)) } : {}),
  };
}

/** A running session's idle check: the idle stretch starts at the first idle sample, and any busy one ends it. */
export function recordIdleSample(s: Session, idle: boolean, at: string): SessionChange {
  if (s.status !== 'running') return undefined;
  if (!idle) return s.idle_since ? { idle_since: undefined, idle_warned_at: undefined } : undefined;
  return s.idle_since ? undefined : { idle_since: at };
}

/** The idle warning of the current idle stretch went out (once). */
export function markIdleWarned(s: Session, at: string): SessionChange {
  return s.idle_warned_at ? undefined : { idle_warned_at: at };
}

/** The expiry warning for this end went out (once per end: an extension earns a new one). */
export function markExpiryWarned(s: Session, endsAt: string): SessionChange {
  return s.status === 'running' && s.expiry_warned_for !== endsAt ? { expiry_warned_for: endsAt } : undefined;
}

// ── the end ─────────────────────────────────────────────────────────────────────────────────────────────────────

/** Why a session that ends this way ends `failed` (e.g. its instance vanished), recorded with the transition. */
export interface TeardownFailure {
  error_type: FailureType;
  error: string;
}

/**
 * Expiry and the hard maximum are checked again under the lock: the sweep decides on a listing that may be seconds
 * old, and an extension accepted meanwhile must be honoured.
 */
function beforeItsTime(s: Session, reason: EndReason, now: string): boolean {
  if (reason === 'expired') return Date.parse(now) < Date.parse(s.expires_at);
  if (reason === 'hard_max') return Date.parse(now) < Date.parse(s.hard_max_at);
  return false;
}

/** pending, provisioning or running → stopping: the teardown execution `executionArn` ends it. */
export function beginTeardown(
  s: Session,
  end: { reason: EndReason; at: string; executionArn: string; failure?: TeardownFailure },
): SessionChange {
  if (!isActive(s.status) || beforeItsTime(s, end.reason, end.at)) return undefined;
  const { failure } = end;
  return {
    status: 'stopping',
    phase: 'stopping',
    ended_reason: end.reason,
    teardown_requested_at: end.at,
    teardown_execution_arn: end.executionArn,
    ...(failure ? { error_type: failure.error_type, error: failure.error, retry_suggested: retrySuggested(failure.error_type) } : {}),
  };
}

/** The teardown execution `run` died: the sweep moves the session to run + 1 (one sweep wins). */
export function restartTeardown(s: Session, run: number, executionArn: string): SessionChange {
  return s.status === 'stopping' && (s.teardown_run ?? 0) === run
    ? { teardown_run: run + 1, teardown_execution_arn: executionArn }
    : undefined;
}

/**
 * stopping → stopped, or failed when it ended so (provisioning failed, or its instance vanished under it): every
 * instance is confirmed gone.
 */
export function close(s: Session, at: string): SessionChange {
  if (s.status !== 'stopping') return undefined;
  const failedProvisioning = s.ended_reason === 'provisioning_failed';
  const endsFailed = failedProvisioning || s.ended_reason === 'ghost';
  return {
    status: endsFailed ? 'failed' : 'stopped',
    phase: endsFailed ? 'failed' : 'stopped',
    stopped_at: at,
    attempts: endOpenAttempts(s),
    ...(failedProvisioning && !s.error_type ? { error_type: 'provider_error' as const, error: 'provisioning ended without a result' } : {}),
  };
}

/** stopping → failed: the provider never confirmed the instances destroyed (the reconciler keeps trying). */
export function failTeardown(s: Session, at: string): SessionChange {
  return s.status === 'stopping'
    ? {
        status: 'failed',
        phase: 'failed',
        stopped_at: at,
        error_type: 'destroy_failed',
        error: 'the provider never confirmed the instance destroyed; the reconciler keeps trying',
      }
    : undefined;
}

/** An ended session's hold gives way to what the ledger billed (once). */
export function settle(s: Session, billed: number, at: string): SessionChange {
  return s.hold_settled_at || !isTerminal(s.status) ? undefined : { hold_usd: 0, settled_usd: billed, hold_settled_at: at };
}
