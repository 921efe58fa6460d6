// Three families of errors. Each class sets a literal `name`: Step Functions routes on it (ErrorEquals), and bundling
// keeps names (keepNames) so minification cannot change it. Each also carries its HTTP answer the way middy's
// HttpError does (`statusCode`, `expose`), so the HTTP layer reads the status from the error instead of a table.
//   client    — the caller's mistake; its own 4xx (or 503) with an error_type, its message shown
//   transient — worth retrying (ASL Retry with backoff); over HTTP a 503 whose details stay in the logs
//   permanent — retrying will not help; compensate (ASL Catch → destroy/refund); over HTTP a 500

type ErrorFamily = 'client' | 'transient' | 'permanent';

export interface ErrorDetails {
  [key: string]: string | number | boolean | null | undefined | object;
}

export abstract class AppError extends Error {
  abstract readonly family: ErrorFamily;
  /** stable machine-readable kind, sent to clients as `error_type` */
  abstract readonly errorType: string;
  /** the HTTP status it answers with (middy's HttpError `statusCode`) */
  abstract readonly statusCode: number;
  /** whether its message and details may be shown to the caller (HttpError `expose`) */
  abstract readonly expose: boolean;
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
  readonly expose = true;
}

export class ValidationError extends ClientError {
  override readonly name = 'ValidationError';
  readonly statusCode = 400;
  readonly errorType: string;
  constructor(message: string, details: ErrorDetails & { field?: string } = {}, errorType = 'validation_error') {
    super(message, details);
    this.errorType = errorType;
  }
}

export class NotFoundError extends ClientError {
  override readonly name = 'NotFoundError';
  readonly statusCode = 404;
  readonly errorType = 'not_found';
}

export class ConflictError extends ClientError {
  override readonly name = 'ConflictError';
  readonly statusCode = 409;
  readonly errorType: string;
  constructor(message: string, details: ErrorDetails = {}, errorType = 'conflict') {
    super(message, details);
    this.errorType = errorType;
  }
}

export class PayloadTooLargeError extends ClientError {
  override readonly name = 'PayloadTooLargeError';
  readonly statusCode = 413;
  readonly errorType = 'payload_too_large';
}

export class UnauthorizedError extends ClientError {
  override readonly name = 'UnauthorizedError';
  readonly statusCode = 401;
  readonly errorType = 'unauthorized';
}

export class ForbiddenError extends ClientError {
  override readonly name = 'ForbiddenError';
  readonly statusCode = 403;
  readonly errorType = 'forbidden';
}

export class BudgetExceededError extends ClientError {
  override readonly name = 'BudgetExceededError';
  readonly statusCode = 402;
  readonly errorType = 'budget_exceeded';
}

/** The offer is not in current inventory (or is suppressed): the client should refresh and pick another. */
export class StaleInventoryError extends ClientError {
  override readonly name = 'StaleInventoryError';
  readonly statusCode = 503;
  readonly errorType = 'stale_inventory';
}

/** A body that is not JSON: a plain form or text/plain POST is what a foreign web page can send without asking. */
export class UnsupportedMediaTypeError extends ClientError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly statusCode = 415;
  readonly errorType = 'unsupported_media_type';
}

export class NotReadyError extends ClientError {
  override readonly name = 'NotReadyError';
  readonly statusCode = 503;
  readonly errorType = 'not_ready';
}

// ── transient errors (retried) ───────────────────────────────────────────────

export abstract class TransientError extends AppError {
  readonly family = 'transient' as const;
  readonly statusCode = 503;
  readonly expose = false;
}

/** Storage lost a race (conditional write); re-reading and retrying resolves it. */
export class ConcurrencyError extends TransientError {
  override readonly name = 'ConcurrencyError';
  readonly errorType = 'concurrency';
}

// ── permanent errors (compensated) ───────────────────────────────────────────

export abstract class PermanentError extends AppError {
  readonly family = 'permanent' as const;
  readonly statusCode = 500;
  readonly expose = false;
}

export class ConfigError extends PermanentError {
  override readonly name = 'ConfigError';
  readonly errorType = 'config_error';
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
