import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORDINARY_PROVISIONING_ERRORS } from '../../infra/constructs/operations-alarms.ts';
import { SSH_ALARM } from '../../infra/constructs/ssh-alarm-math.ts';
import { GpuShopperStack } from '../../infra/stack.ts';
import { routes, schedules } from '../../shared/app-model.ts';
import { FAILURE_TYPES } from '../../shared/domain/session.ts';
import { METRIC } from '../../shared/observability/metric-names.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/powertools.ts';
import { alarmStates, evaluate, type Series } from '../support/metric-math.ts';

type Json = Record<string, unknown>;
type Resource = { Properties: Json };
let template: Template;
let stack: GpuShopperStack;
let alarms: [string, Resource][];

function build(context: Record<string, unknown>) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const built = new GpuShopperStack(app, 'Ops');
  return { stack: built, template: Template.fromStack(built) };
}

beforeAll(() => {
  ({ stack, template } = build({ alarmEmail: 'ops@example.com' }));
  alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')) as [string, Resource][];
});

const byId = (id: string) => alarms.find(([logicalId]) => logicalId.startsWith(id) && /^[0-9A-F]{8}$/.test(logicalId.slice(id.length)))?.[1];

/** the alarm's metric math: expression of the returned row, and each id's metric */
function mathOf(alarm: Resource): { expression: string; metrics: Record<string, Json> } {
  const rows = alarm.Properties['Metrics'] as Json[];
  const result = rows.find((r) => r['ReturnData'] !== false)!;
  const metrics: Record<string, Json> = {};
  for (const r of rows) if (r['MetricStat']) metrics[String(r['Id'])] = r['MetricStat'] as Json;
  return { expression: String(result['Expression']), metrics };
}

const rule = (alarm: Resource) => ({
  threshold: Number(alarm.Properties['Threshold']),
  evaluationPeriods: Number(alarm.Properties['EvaluationPeriods']),
  datapointsToAlarm: alarm.Properties['DatapointsToAlarm'] as number | undefined,
  treatMissingData: alarm.Properties['TreatMissingData'] as 'notBreaching',
});

/** SshVerificationOutcome per period as the code emits it: +1 per failure, −1 per verified instance */
function outcomes(periods: { failed: number; verified: number }[]): { n: Series; d: Series } {
  return {
    n: periods.map((p) => (p.failed + p.verified === 0 ? undefined : p.failed + p.verified)),
    d: periods.map((p) => (p.failed + p.verified === 0 ? undefined : p.failed - p.verified)),
  };
}

describe('SSH verification alarms', () => {
  const fleet = () => byId('AlarmsSshVerificationFailureRate')!;

  it('read the outcome metric the code emits, service-wide: its SampleCount (verifications) and Sum (failed − verified)', () => {
    const { metrics } = mathOf(fleet());
    for (const [id, stat] of [['n', 'SampleCount'], ['d', 'Sum']] as const) {
      expect(metrics[id]).toMatchObject({
        Metric: { Namespace: METRICS_NAMESPACE, MetricName: METRIC.SshVerificationOutcome, Dimensions: [{ Name: 'service', Value: SERVICE_NAME }] },
        Stat: stat,
        Period: SSH_ALARM.periodMinutes * 60,
      });
    }
    expect(fleet().Properties).toMatchObject({ EvaluationPeriods: 3, DatapointsToAlarm: 2, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  it('stay quiet for a single flaky host: two failures in a period, among a few verifications, never page', () => {
    const { expression } = mathOf(fleet());
    const series = outcomes([
      { failed: 2, verified: 1 },
      { failed: 2, verified: 0 },
      { failed: 1, verified: 3 },
      { failed: 2, verified: 2 },
      { failed: 0, verified: 0 },
      { failed: 2, verified: 5 },
    ]);
    expect(alarmStates(evaluate(expression, series), rule(fleet())).some(Boolean)).toBe(false);
  });

  it('page when verifications fail at a rate, in two of three periods, and not on one bad period alone', () => {
    const { expression } = mathOf(fleet());
    const once = outcomes([{ failed: 5, verified: 2 }, { failed: 0, verified: 6 }, { failed: 0, verified: 4 }]);
    expect(alarmStates(evaluate(expression, once), rule(fleet())).some(Boolean)).toBe(false);
    const outage = outcomes([{ failed: 0, verified: 6 }, { failed: 4, verified: 3 }, { failed: 0, verified: 0 }, { failed: 6, verified: 1 }]);
    const values = evaluate(expression, outage);
    expect(values[1]).toBeCloseTo((100 * 4) / 7);
    expect(alarmStates(values, rule(fleet()))).toEqual([false, false, false, true]);
  });

  it('do not page on many failures that are a small share of a busy fleet', () => {
    const { expression } = mathOf(fleet());
    const busy = outcomes([{ failed: 4, verified: 40 }, { failed: 5, verified: 50 }, { failed: 4, verified: 30 }]);
    expect(alarmStates(evaluate(expression, busy), rule(fleet())).some(Boolean)).toBe(false);
  });

  it('watch each provider/GPU type on its own: the worst group of the outcome metric, failures outnumbering successes by 3', () => {
    const alarm = byId('AlarmsSshVerificationFailureRateByGpu')!;
    const { expression } = mathOf(alarm);
    expect(expression).toBe(
      `SELECT SUM(${METRIC.SshVerificationOutcome}) FROM SCHEMA("${METRICS_NAMESPACE}", gpu_type, provider, service) ` +
        `WHERE service = '${SERVICE_NAME}' GROUP BY provider, gpu_type ORDER BY SUM() DESC LIMIT 1`,
    );
    expect(alarm.Properties).toMatchObject({ Threshold: SSH_ALARM.groupExcess, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    // what the query computes per group, on synthetic outcomes: +1 failed, −1 verified
    const worst = (groups: Record<string, number[]>) => Math.max(...Object.values(groups).map((v) => v.reduce((a, b) => a + b, 0)));
    const flakyHostOnce = { 'vastai/RTX 4090': [1, 1, -1, -1, -1], 'tensordock/A100': [-1, -1] };
    expect(worst(flakyHostOnce) >= SSH_ALARM.groupExcess).toBe(false);
    const brokenGpu = { 'vastai/RTX 4090': [-1, -1, -1], 'tensordock/A100': [1, 1, 1, 1, -1, 1] };
    expect(worst(brokenGpu) >= SSH_ALARM.groupExcess).toBe(true);
  });
});

describe('alarms that need a person', () => {
  it('no longer page on every failed provisioning execution (most are ordinary, refunded failures)', () => {
    expect(byId('AlarmsProvisioningExecutionsFailed')).toBeUndefined();
    for (const [id, alarm] of alarms) {
      const metric = alarm.Properties['MetricName'];
      if (metric === 'ExecutionsFailed') expect(id).toMatch(/^AlarmsTeardownExecutionsFailed/);
    }
  });

  it('page on provisioning executions that failed with an error no session outcome explains, through a queue an operator empties', () => {
    // (the other rule is the consumer-event rule, on the consumer bus)
    const rules = (Object.values(template.findResources('AWS::Events::Rule')) as Resource[]).filter((r) => !r.Properties['EventBusName']);
    expect(rules).toHaveLength(1);
    const pattern = rules[0]!.Properties['EventPattern'] as { detail: { status: string[]; error: [{ 'anything-but': string[] }] } };
    expect(pattern.detail.status).toEqual(['FAILED']);
    expect(pattern.detail.error[0]['anything-but'].sort()).toEqual([...FAILURE_TYPES, 'DestroyFailed'].sort());
    expect(ORDINARY_PROVISIONING_ERRORS).toContain('ssh_timeout');
    const queueId = stack.getLogicalId(stack.operations.provisioningNeedsOperator.node.defaultChild as never);
    expect(rules[0]!.Properties['Targets']).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } })]);
    expect(byId('AlarmsProvisioningNeedsOperator')!.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 1,
    });
  });

  it('page on tasks that crashed or timed out past their retries, on the aggregate metric the catching tasks emit', () => {
    expect(byId('AlarmsTaskCrashes')!.Properties).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.TaskCrashes,
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      Threshold: 1,
    });
  });

  it('page on destroy failures, a teardown stuck on a provider, failed and timed-out teardowns, timed-out provisioning', () => {
    expect(byId('AlarmsDestroyFailures')?.Properties).toMatchObject({ MetricName: METRIC.DestroyFailures });
    expect(byId('AlarmsTeardownStuck')?.Properties).toMatchObject({ MetricName: METRIC.TeardownPendingSeconds, Statistic: 'Maximum' });
    expect(byId('AlarmsTeardownExecutionsFailed')?.Properties['Namespace']).toBe('AWS/States');
    for (const machine of ['Provisioning', 'Teardown']) {
      expect(byId(`Alarms${machine}ExecutionsTimedOut`)?.Properties['MetricName'], machine).toBe('ExecutionsTimedOut');
    }
  });

  it('page on orphaned instances, on the aggregate metric the reconciler emits', () => {
    expect(byId('AlarmsOrphansFound')?.Properties).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.OrphansFound,
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      Statistic: 'Sum',
      Threshold: 1,
    });
  });
});

describe('function and API alarms', () => {
  it('has one alarm per scheduled function, each on that function alone', () => {
    const scheduled = [...new Set(schedules.map((s) => s.functionId))];
    for (const fid of scheduled) {
      const alarm = byId(`AlarmsScheduledFunctionErrors${fid}`);
      expect(alarm, fid).toBeDefined();
      const fnId = stack.getLogicalId(stack.fn(fid).fn.node.defaultChild as never);
      expect(alarm!.Properties).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('counts API server faults (the handlers’ metric plus the route functions’ errors), never API Gateway’s 5xx with stale_inventory in it', () => {
    const alarm = byId('AlarmsApiServerErrors')!;
    const { expression, metrics } = mathOf(alarm);
    expect(Object.values(metrics).some((m) => (m['Metric'] as Json)['Namespace'] === 'AWS/ApiGateway')).toBe(false);
    expect(metrics['faults']).toMatchObject({ Metric: { MetricName: METRIC.ApiServerFaults, Dimensions: [{ Name: 'service', Value: SERVICE_NAME }] } });
    const routeFunctions = new Set([...routes.map((r) => r.functionId), 'NotFoundApi']);
    const errorIds = Object.keys(metrics).filter((id) => id !== 'faults');
    // an alarm reads at most 10 metrics: the rest of the route functions are in ApiServerErrors2, …
    const rest = alarms.filter(([id]) => id.startsWith('AlarmsApiServerErrors2')).flatMap(([, a]) => Object.keys(mathOf(a).metrics));
    expect(errorIds.length + rest.length).toBe(routeFunctions.size);
    expect(errorIds.length + 1).toBeLessThanOrEqual(10);
    for (const id of errorIds) expect((metrics[id]!['Metric'] as Json)['MetricName']).toBe('Errors');
    // one handled fault in one period, one crashed route in another, nothing else: both periods page
    const series: Record<string, Series> = { faults: [undefined, 1, undefined] };
    errorIds.forEach((id, i) => {
      series[id] = i === 0 ? [undefined, undefined, 1] : [undefined, undefined, undefined];
    });
    expect(alarmStates(evaluate(expression, series), rule(alarm))).toEqual([false, true, true]);
  });
});

describe('where alarms go', () => {
  it('notify the encrypted, TLS-only alarm topic with the email subscription, on ALARM and on OK', () => {
    const topics = template.findResources('AWS::SNS::Topic');
    const [topicId, topic] = Object.entries(topics).find(([id]) => id.startsWith('AlarmsTopic'))!;
    expect((topic as Resource).Properties['KmsMasterKeyId']).toBeDefined();
    expect(alarms.length).toBeGreaterThan(15);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties['AlarmActions'], id).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties['OKActions'], id).toEqual([{ Ref: topicId }]);
    }
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('notify an existing topic given by ARN, creating none', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:pager';
    const { template: t } = build({ alarmTopicArn: arn });
    expect(Object.keys(t.findResources('AWS::SNS::Topic')).filter((id) => id.startsWith('AlarmsTopic'))).toEqual([]);
    for (const [id, alarm] of Object.entries(t.findResources('AWS::CloudWatch::Alarm')) as [string, Resource][]) {
      expect(alarm.Properties['AlarmActions'], id).toEqual([arn]);
      expect(alarm.Properties['OKActions'], id).toEqual([arn]);
    }
  });

  it('refuse to build without a destination, with a message that says what to pass', () => {
    expect(() => build({})).toThrow(/no alarm destination.*-c alarmEmail=.*-c alarmTopicArn=.*-c alarms=none/s);
    expect(() => build({ alarmEmail: '' })).toThrow(/no alarm destination/);
    expect(() => build({ alarmTopicArn: 'pager' })).toThrow(/alarmTopicArn must be an SNS topic ARN/);
    expect(() => build({ alarms: 'maybe', alarmEmail: 'ops@example.com' })).toThrow(/alarms must be page or none/);
  });

  it('build without a subscriber when -c alarms=none says so on purpose', () => {
    const { template: t } = build({ alarms: 'none' });
    t.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});
