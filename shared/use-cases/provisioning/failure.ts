// Failure bookkeeping shared by the failure-branch tasks: which failure an error name means, and back.
import {
  ApiTimeoutError,
  type AttemptFailedError,
  AuthRejectedError,
  InstanceStoppedError,
  InstanceVanishedError,
  ProviderFailedError,
  SshTimeoutError,
} from '../../domain/provisioning-errors.ts';
import { OfferUnavailableError } from '../../domain/provider-errors.ts';
import type { Attempt, FailureType } from '../../domain/session.ts';

const BY_ERROR_NAME: Record<string, FailureType> = {
  SshTimeoutError: 'ssh_timeout',
  InstanceStoppedError: 'instance_stopped',
  InstanceVanishedError: 'instance_vanished',
  AuthRejectedError: 'auth_rejected',
  ApiTimeoutError: 'api_timeout',
  OfferUnavailableError: 'stale_inventory',
};

/** The error Step Functions caught (`{Error, Cause}`) as a failure type and a short, secret-free message. */
export function failureOf(error: { Error?: string; Cause?: string } | undefined): { type: FailureType; message: string } {
  const type = BY_ERROR_NAME[error?.Error ?? ''] ?? 'provider_error';
  return { type, message: causeMessage(error) ?? defaultMessage(type) };
}

/** Lambda puts `{"errorType","errorMessage","trace"}` in Cause; the local runtime the bare message. */
function causeMessage(error: { Error?: string; Cause?: string } | undefined): string | undefined {
  const cause = error?.Cause;
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage.slice(0, 500);
  } catch {
    // not JSON: the message itself
  }
  return cause.slice(0, 500);
}

function defaultMessage(type: FailureType): string {
  return {
    ssh_timeout: 'SSH did not become reachable before the verification deadline',
    instance_stopped: 'the instance stopped before it became reachable',
    instance_vanished: 'the provider no longer knows the instance',
    stale_inventory: 'the offer is no longer available',
    auth_rejected: 'the instance kept rejecting the session key',
    provider_error: 'the provider failed',
    api_timeout: 'the workload API did not answer before its deadline',
    destroy_failed: 'the instance could not be confirmed destroyed',
  }[type];
}

/** Re-raise the failure recorded on an attempt (an execution resumed mid-failure continues its failure branch). */
export function failedAttemptError(attempt: Attempt): AttemptFailedError | OfferUnavailableError {
  const message = attempt.error ?? defaultMessage(attempt.error_type ?? 'provider_error');
  switch (attempt.error_type) {
    case 'ssh_timeout':
      return new SshTimeoutError(message);
    case 'instance_stopped':
      return new InstanceStoppedError(message);
    case 'instance_vanished':
      return new InstanceVanishedError(message);
    case 'auth_rejected':
      return new AuthRejectedError(message);
    case 'api_timeout':
      return new ApiTimeoutError(message);
    case 'stale_inventory':
      return new OfferUnavailableError(message);
    default:
      return new ProviderFailedError(message);
  }
}
