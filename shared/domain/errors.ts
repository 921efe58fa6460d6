// Three families of errors. Each class sets a literal `name`: Step Functions routes on it (ErrorEquals), the HTTP
// layer maps it through one table, and bundling keeps names (keepNames) so minification cannot change it.
//   client    — the caller's mistake; mapped to a 4xx with an error_type
//   transient — worth retrying (ASL Retry with backoff)
//   permanent — retrying will not help; compensate (ASL Catch → destroy/refund)

type ErrorFamily = 'client' | 'transient' | 'permanent';

export interface ErrorDetails {
  [key: string]: string | number | boolean | null | undefined | object;
}

export abstract class AppError extends Error {
  abstract readonly family: ErrorFamily;
  /** stable machine-readable kind, sent to clients as `error_type` */
  abstract readonly errorType: string;
  readonly details: ErrorDetails;

  constructor(message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
    super(message, options);
    this.details = details;
  }
}

// ── client errors (4xx) ──────────────────────────────────────────────────────

/** the caller's mistake (4xx); benchmark runs skip an item for one instead of retrying */
export abstract class ClientError extends AppError {
  readonly family = 'client' as const;
}

export class ValidationError extends ClientError {
  override readonly name = 'ValidationError';
  readonly errorType: string;
  constructor(message: string, details: ErrorDetails & { field?: string } = {}, errorType = 'validation_error') {
    super(message, details);
    this.errorType = errorType;
  }
}

export class NotFoundError extends ClientError {
  override readonly name = 'NotFoundError';
  readonly errorType = 'not_found';
}

export class ConflictError extends ClientError {
  override readonly name = 'ConflictError';
  readonly errorType: string;
  constructor(message: string, details: ErrorDetails = {}, errorType = 'conflict') {
    super(message, details);
    this.errorType = errorType;
  }
}

export class PayloadTooLargeError extends ClientError {
  override readonly name = 'PayloadTooLargeError';
  readonly errorType = 'payload_too_large';
}

export class UnauthorizedError extends ClientError {
  override readonly name = 'UnauthorizedError';
  readonly errorType = 'unauthorized';
}

export class ForbiddenError extends ClientError {
  override readonly name = 'ForbiddenError';
  readonly errorType = 'forbidden';
}

export class BudgetExceededError extends ClientError {
  override readonly name = 'BudgetExceededError';
  readonly errorType = 'budget_exceeded';
}

/** The offer is not in current inventory (or is suppressed): the client should refresh and pick another. */
export class StaleInventoryError extends ClientError {
  override readonly name = 'StaleInventoryError';
  readonly errorType = 'stale_inventory';
}

/** A body that is not JSON: a plain form or text/plain POST is what a foreign web page can send without asking. */
export class UnsupportedMediaTypeError extends ClientError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly errorType = 'unsupported_media_type';
}

export class NotReadyError extends ClientError {
  override readonly name = 'NotReadyError';
  readonly errorType = 'not_ready';
}

// ── transient errors (retried) ───────────────────────────────────────────────

export abstract class TransientError extends AppError {
  readonly family = 'transient' as const;
}

/** Storage lost a race (conditional write); re-reading and retrying resolves it. */
export class ConcurrencyError extends TransientError {
  override readonly name = 'ConcurrencyError';
  readonly errorType = 'concurrency';
}

// ── permanent errors (compensated) ───────────────────────────────────────────

export abstract class PermanentError extends AppError {
  readonly family = 'permanent' as const;
}

export class ConfigError extends PermanentError {
  override readonly name = 'ConfigError';
  readonly errorType = 'config_error';
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
