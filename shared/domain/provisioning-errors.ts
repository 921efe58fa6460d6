// Errors raised by the provisioning tasks. Their literal names appear in statemachines/provisioning.asl.json
// (Retry/Catch), and test/unit/asl-error-names.test.ts checks that every name the ASL uses is a class here, in
// provider-errors.ts or errors.ts (and that every retried one is transient).
import { PermanentError, TransientError } from './errors.ts';
import type { FailureType } from './session.ts';

export abstract class AttemptFailedError extends PermanentError {
  abstract readonly failureType: FailureType;
  get errorType(): string {
    return this.failureType;
  }
}

/** SSH never answered with a working login before the verification deadline. */
export class SshTimeoutError extends AttemptFailedError {
  override readonly name = 'SshTimeoutError';
  readonly failureType = 'ssh_timeout' as const;
}

/** The provider reports the instance stopped, exited or offline: it will not come up by itself. */
export class InstanceStoppedError extends AttemptFailedError {
  override readonly name = 'InstanceStoppedError';
  readonly failureType = 'instance_stopped' as const;
}

/** The provider no longer knows the instance. */
export class InstanceVanishedError extends AttemptFailedError {
  override readonly name = 'InstanceVanishedError';
  readonly failureType = 'instance_vanished' as const;
}

/** The SSH server kept rejecting our key (genuine authentication failures, not early-closed handshakes). */
export class AuthRejectedError extends AttemptFailedError {
  override readonly name = 'AuthRejectedError';
  readonly failureType = 'auth_rejected' as const;
}

/** The entrypoint server never answered its health check before its deadline. */
export class ApiTimeoutError extends AttemptFailedError {
  override readonly name = 'ApiTimeoutError';
  readonly failureType = 'api_timeout' as const;
}

/** The session ended (teardown) while provisioning was still running: stop quietly. */
export class SessionEndedError extends PermanentError {
  override readonly name = 'SessionEndedError';
  readonly errorType = 'session_ended';
}

/** The provider has not yet confirmed the instance is gone; retried with backoff for as long as it takes. */
export class DestroyNotConfirmedError extends TransientError {
  override readonly name = 'DestroyNotConfirmedError';
  readonly errorType = 'destroy_not_confirmed';
}

/**
 * A previous create call may have made an instance that the provider's listing does not show yet (listing lag).
 * Retried until the lag window has passed, so a crash between create and record never makes a second instance.
 */
export class CreateInDoubtError extends TransientError {
  override readonly name = 'CreateInDoubtError';
  readonly errorType = 'create_in_doubt';
}

/** The provider failed the attempt in a way no retry of the same call will fix. */
export class ProviderFailedError extends AttemptFailedError {
  override readonly name = 'ProviderFailedError';
  readonly failureType = 'provider_error' as const;
}
