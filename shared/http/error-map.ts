// The one table that turns errors into HTTP answers. Client errors keep their message; anything else becomes a
// generic answer whose details stay in the logs.
import { type AppError, isAppError } from '../domain/errors.ts';
import { redactSecrets } from '../observability/redact.ts';

const STATUS_BY_NAME: Record<string, number> = {
  ValidationError: 400,
  UnauthorizedError: 401,
  BudgetExceededError: 402,
  ForbiddenError: 403,
  NotFoundError: 404,
  ConflictError: 409,
  PayloadTooLargeError: 413,
  UnsupportedMediaTypeError: 415,
  StaleInventoryError: 503,
  NotReadyError: 503,
};

export interface ErrorAnswer {
  statusCode: number;
  body: Record<string, unknown>;
  /** whether the error is ours (log at error level) rather than the caller's */
  internal: boolean;
}

/** `client_request_id` beside the server's own id, when the caller sent an X-Request-ID */
export function errorAnswer(err: unknown, requestId: string, clientRequestId?: string): ErrorAnswer {
  const ids = { request_id: requestId, ...(clientRequestId ? { client_request_id: clientRequestId } : {}) };
  if (isAppError(err) && err.family === 'client') {
    return {
      statusCode: STATUS_BY_NAME[err.name] ?? 400,
      body: { ...clientDetails(err), error: redactSecrets(err.message), error_type: err.errorType, ...ids },
      internal: false,
    };
  }
  if (isAppError(err) && err.family === 'transient') {
    return {
      statusCode: 503,
      body: {
        error: 'the service is briefly unavailable; retry shortly',
        error_type: 'service_unavailable',
        retry_suggested: true,
        ...ids,
      },
      internal: true,
    };
  }
  return {
    statusCode: 500,
    body: { error: 'internal error', error_type: 'internal_error', ...ids },
    internal: true,
  };
}

function clientDetails(err: AppError): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // details are ours, but may carry text that came from outside (a provider's answer): redact like the message
  for (const [k, v] of Object.entries(err.details)) if (v !== undefined) out[k] = typeof v === 'string' ? redactSecrets(v) : v;
  return out;
}
