// Errors into HTTP answers. An error says its own status and whether it may be shown (`statusCode` and `expose`, the
// shape of middy's HttpError, which our AppErrors share): a shown error keeps its message and details; anything else
// becomes a generic answer whose details stay in the logs.
import { isAppError } from '../domain/errors.ts';
import { redactSecrets } from '../observability/redact.ts';

interface ErrorAnswer {
  statusCode: number;
  body: Record<string, unknown>;
  /** whether the error is ours (log at error level) rather than the caller's */
  internal: boolean;
}

/** What errorAnswer reads: our AppErrors, and middy's HttpError (createError from @middy/util) */
interface HttpErrorLike extends Error {
  statusCode: number;
  expose: boolean;
}

function isHttpError(err: unknown): err is HttpErrorLike {
  if (!(err instanceof Error)) return false;
  const { statusCode, expose } = err as Partial<HttpErrorLike>;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode <= 599 && typeof expose === 'boolean';
}

/** An HttpError has no error_type: its name without "Error", in snake case (NotFoundError → not_found). */
function errorTypeOf(err: HttpErrorLike): string {
  if (isAppError(err)) return err.errorType;
  const words = err.name.replace(/Error$/, '').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return /^[a-z0-9_]+$/.test(words) ? words : 'http_error';
}

/** `client_request_id` beside the server's own id, when the caller sent an X-Request-ID */
export function errorAnswer(err: unknown, requestId: string, clientRequestId?: string): ErrorAnswer {
  const ids = { request_id: requestId, ...(clientRequestId ? { client_request_id: clientRequestId } : {}) };
  if (isHttpError(err) && err.expose) {
    return {
      statusCode: err.statusCode,
      body: { ...shownDetails(err), error: redactSecrets(err.message), error_type: errorTypeOf(err), ...ids },
      internal: false,
    };
  }
  // transient errors (and any 503 not to be shown): worth a retry, nothing more to say
  if (isHttpError(err) && err.statusCode === 503) {
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

function shownDetails(err: HttpErrorLike): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isAppError(err)) return out;
  // details are ours, but may carry text that came from outside (a provider's answer): redact like the message
  for (const [k, v] of Object.entries(err.details)) if (v !== undefined) out[k] = typeof v === 'string' ? redactSecrets(v) : v;
  return out;
}
