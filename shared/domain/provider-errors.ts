// Typed provider errors. The `name` is literal because Step Functions routes on it (ErrorEquals), so these names
// are part of the state machine's contract. Messages never carry credentials.
import { PermanentError, TransientError } from './errors.ts';

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

export const PROVIDER_ERROR_NAMES = [
  'OfferUnavailableError',
  'ProviderRateLimitedError',
  'ProviderUnavailableError',
  'ProviderAuthError',
  'InstanceNotFoundError',
  'InvalidProviderRequestError',
] as const;
