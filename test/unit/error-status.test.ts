// Each error carries its HTTP answer (status and whether it may be shown, as middy's HttpError does): the statuses the
// name → status table used to give, now from the classes; and middy's own HttpErrors answered as JSON too.
import { createError } from '@middy/util';
import { describe, expect, it } from 'vitest';
import * as errors from '../../shared/domain/errors.ts';
import { ConcurrencyError, ConfigError } from '../../shared/domain/errors.ts';
import { errorAnswer } from '../../shared/http/error-map.ts';

/** the statuses of the table this replaced (error-map.ts STATUS_BY_NAME) */
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

/** every concrete client error class errors.ts exports */
const clientErrors = Object.values(errors).flatMap((value) => {
  if (typeof value !== 'function' || !(value.prototype instanceof errors.ClientError)) return [];
  const instance = new (value as new (message: string) => errors.ClientError)('probe');
  return [instance];
});

describe('client errors carry their status', () => {
  it('every client error class is in the table, and the table has no class that is gone', () => {
    expect(clientErrors.map((e) => e.name).sort()).toEqual(Object.keys(STATUS_BY_NAME).sort());
  });

  it.each(Object.entries(STATUS_BY_NAME))('%s answers %i with its message and error_type', (name, status) => {
    const err = clientErrors.find((e) => e.name === name)!;
    expect(err.statusCode).toBe(status);
    expect(err.expose).toBe(true);
    const answer = errorAnswer(err, 'r-1');
    expect(answer).toMatchObject({ statusCode: status, internal: false, body: { error: 'probe', error_type: err.errorType, request_id: 'r-1' } });
  });
});

describe('errors that are not shown', () => {
  it('a transient error is a 503 service_unavailable, its message kept in the logs', () => {
    const err = new ConcurrencyError('lost a race on pk=SESSION#1');
    expect([err.statusCode, err.expose]).toEqual([503, false]);
    expect(errorAnswer(err, 'r-1')).toMatchObject({
      statusCode: 503,
      internal: true,
      body: { error: 'the service is briefly unavailable; retry shortly', error_type: 'service_unavailable', retry_suggested: true },
    });
  });

  it('a permanent error or any other is a 500 internal_error', () => {
    expect(new ConfigError('x').statusCode).toBe(500);
    for (const err of [new ConfigError('AUTH_MODE is bad'), new Error('bug'), 'a string', undefined]) {
      expect(errorAnswer(err, 'r-1')).toEqual({
        statusCode: 500,
        internal: true,
        body: { error: 'internal error', error_type: 'internal_error', request_id: 'r-1' },
      });
    }
  });
});

describe("middy's HttpErrors (createError from @middy/util)", () => {
  it.each([
    [404, 'not_found'],
    [405, 'method_not_allowed'],
    [413, 'payload_too_large'],
    [415, 'unsupported_media_type'],
  ])('%i is a shown JSON answer with error_type %s', (status, errorType) => {
    const answer = errorAnswer(createError(status, 'Route does not exist'), 'r-1', 'mine');
    expect(answer).toEqual({
      statusCode: status,
      internal: false,
      body: { error: 'Route does not exist', error_type: errorType, request_id: 'r-1', client_request_id: 'mine' },
    });
  });

  it('a 5xx one is not shown: 503 as a transient error, others as a 500', () => {
    expect(errorAnswer(createError(503, 'pool drained at db-3'), 'r-1').body).toMatchObject({ error_type: 'service_unavailable' });
    expect(errorAnswer(createError(502, 'upstream at 10.0.0.7'), 'r-1')).toMatchObject({
      statusCode: 500,
      body: { error: 'internal error', error_type: 'internal_error' },
    });
  });
});
