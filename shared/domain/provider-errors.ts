// Typed provider errors. The `name` is literal because Step Functions routes on it (ErrorEquals), so these names
// are part of the state machine's contract. Messages never carry credentials.
import { isAppError, PermanentError, TransientError } from './errors.ts';
import type { PacingPlace } from './pacing.ts';

/** The offer is gone or cannot be rented (Vast `no_such_ask`, TensorDock "No available nodes"). */
export class OfferUnavailableError extends PermanentError {
  override readonly name = 'OfferUnavailableError';
  readonly errorType = 'stale_inventory';
}

/** HTTP 429 or a client-side limiter that gave up waiting. */
export class ProviderRateLimitedError extends TransientError {
  override readonly name = 'ProviderRateLimitedError';
  readonly errorType = 'provider_rate_limited';
}

/**
 * The shared pacing would make the call wait longer than a task should sleep (the provider's queue for this endpoint
 * is long): nothing was sent. The state machine backs off and tries again — or, for a create whose place in the
 * queue was kept (`place`), waits for that place and presents it.
 */
export class ProviderPacingError extends TransientError {
  override readonly name = 'ProviderPacingError';
  readonly errorType = 'provider_pacing';
  place?: PacingPlace;

  withPlace(place: PacingPlace): this {
    this.place = place;
    return this;
  }
}

/** 5xx, network failure, timeout. */
export class ProviderUnavailableError extends TransientError {
  override readonly name = 'ProviderUnavailableError';
  readonly errorType = 'provider_unavailable';
}

/** 401/403: our credentials are wrong or lack permission. */
export class ProviderAuthError extends PermanentError {
  override readonly name = 'ProviderAuthError';
  readonly errorType = 'provider_auth';
}

/** The instance does not exist (Vast `{"instances":null}`, HTTP 404). */
export class InstanceNotFoundError extends PermanentError {
  override readonly name = 'InstanceNotFoundError';
  readonly errorType = 'instance_not_found';
}

/** The provider rejected the request as malformed (a bug on our side, or an offer that cannot take it). */
export class InvalidProviderRequestError extends PermanentError {
  override readonly name = 'InvalidProviderRequestError';
  readonly errorType = 'provider_invalid_request';
}

/** What a create made before it failed: the instance, when the provider answered, and when it was destroyed again. */
interface MadeInstance {
  instance_id: string;
  created_at?: string;
  destroyed_at?: string;
}

/**
 * A create that fails after the provider made the instance (Vast.ai: its keys could not be attached, so the adapter
 * destroyed it) says what it made, so the broker still records what it paid for.
 */
export function withCreatedInstance<E>(err: E, made: MadeInstance): E {
  if (isAppError(err)) {
    Object.assign(err.details, { created_instance_id: made.instance_id, created_at: made.created_at, destroyed_at: made.destroyed_at });
  }
  return err;
}

export function createdInstanceOf(err: unknown): MadeInstance | undefined {
  if (!isAppError(err) || typeof err.details['created_instance_id'] !== 'string') return undefined;
  const at = (key: string) => (typeof err.details[key] === 'string' ? (err.details[key] as string) : undefined);
  return { instance_id: err.details['created_instance_id'], created_at: at('created_at'), destroyed_at: at('destroyed_at') };
}
