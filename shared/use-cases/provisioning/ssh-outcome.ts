// What an SSH verification's end tells operators: the failure (by provider, GPU type and class) the moment it is
// known, and one outcome sample per verification, which the failure-rate alarms turn into a rate.
import type { Attempt, FailureType } from '../../domain/session.ts';
import { METRIC } from '../../observability/metric-names.ts';
import type { MetricsSink } from '../../ports/metrics.ts';

/** A failure class beyond the failure types: the verifying task itself died. */
type SshFailureClass = FailureType | 'task_crashed' | 'task_timeout';

/**
 * Errors Step Functions or Lambda raise when a task died rather than answered (our own errors are class names
 * without a dot): a function or task timeout, or a crash (Lambda.Unknown, Runtime.*, States.TaskFailed…).
 */
export function taskDeathOf(errorName: string | undefined): 'task_crashed' | 'task_timeout' | undefined {
  if (!errorName?.includes('.')) return undefined;
  return errorName === 'States.Timeout' || errorName === 'Sandbox.Timedout' ? 'task_timeout' : 'task_crashed';
}

export function reportSshFailed(metrics: MetricsSink, attempt: Pick<Attempt, 'provider' | 'gpu_type'>, failureClass: SshFailureClass): void {
  const dims = { provider: attempt.provider, gpu_type: attempt.gpu_type, failure_class: failureClass };
  metrics.add(METRIC.SshVerificationFailed, 'Count', 1, dims);
  reportOutcome(metrics, attempt, 1);
}

export function reportSshVerified(metrics: MetricsSink, attempt: Pick<Attempt, 'provider' | 'gpu_type'>): void {
  reportOutcome(metrics, attempt, -1);
}

function reportOutcome(metrics: MetricsSink, attempt: Pick<Attempt, 'provider' | 'gpu_type'>, value: 1 | -1): void {
  const group = { provider: attempt.provider, gpu_type: attempt.gpu_type };
  metrics.add(METRIC.SshVerificationOutcome, 'Count', value, group);
  // the undimensioned series is what the fleet-wide alarm reads
  metrics.add(METRIC.SshVerificationOutcome, 'Count', value);
}
