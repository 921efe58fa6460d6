// The SSH verification alarms' arithmetic, kept apart from the construct so a test can evaluate the very
// expressions the alarms use on synthetic datapoints.
//
// The code emits one metric per verification that ends, SshVerificationOutcome: +1 when it failed (for any cause,
// crash and timeout included), −1 when the instance was verified. So SampleCount is the number of verifications,
// Sum is failures minus successes, and failures = (SampleCount + Sum) / 2 — one metric gives both the count and the
// rate, fleet-wide (service dimension) and per provider/GPU type (the per-group query below).
import { METRIC } from '../../shared/observability/metric-names.ts';

export const SSH_ALARM = {
  periodMinutes: 15,
  /** a period counts only with at least this many failures: one flaky host fails one or two sessions, not three */
  minFailures: 3,
  /** …and at least this share of the period's verifications failed */
  ratePercent: 25,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  /** per provider/GPU: failures minus successes in one period (≥ this means more than half failed, at least this many) */
  groupExcess: 3,
  groupPeriodMinutes: 60,
} as const;

/**
 * Metric math over `n` (SampleCount of SshVerificationOutcome) and `d` (its Sum): the failure rate in percent in
 * periods with enough failures, 0 otherwise. FILL: a period without verifications has no datapoint.
 */
export function sshFailureRateExpressions(): { failures: string; rate: string } {
  const failures = '(FILL(n, 0) + FILL(d, 0)) / 2';
  const rate = `IF(${failures} >= ${SSH_ALARM.minFailures}, 100 * ${failures} / FILL(n, 1), 0)`;
  return { failures, rate };
}

/** Metrics Insights: the provider/GPU type whose failures most exceed its successes in the period. */
export function sshWorstGroupQuery(namespace: string, service: string): string {
  return (
    `SELECT SUM(${METRIC.SshVerificationOutcome}) FROM SCHEMA("${namespace}", gpu_type, provider, service) ` +
    `WHERE service = '${service}' GROUP BY provider, gpu_type ORDER BY SUM() DESC LIMIT 1`
  );
}
