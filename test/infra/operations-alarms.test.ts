import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuShopperStack } from '../../infra/stack.ts';
import { METRIC } from '../../shared/observability/metric-names.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/powertools.ts';

type Resource = { Properties: Record<string, unknown> };
let template: Template;
let alarms: [string, Resource][];

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], alarmEmail: 'ops@example.com' } });
  template = Template.fromStack(new GpuShopperStack(app, 'Ops'));
  alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')) as [string, Resource][];
});

const byId = (prefix: string) => alarms.find(([id]) => id.startsWith(prefix))?.[1];

describe('operations alarms', () => {
  it('pages on any SSH verification failure, on the aggregate metric the code emits', () => {
    expect(byId('AlarmsSshVerificationFailures')?.Properties).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.SshVerificationFailed,
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      Statistic: 'Sum',
      Threshold: 1,
    });
  });

  it('pages on failed and timed-out executions of both state machines', () => {
    for (const machine of ['Provisioning', 'Teardown']) {
      for (const kind of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
        const alarm = byId(`Alarms${machine}${kind}`);
        expect(alarm, `${machine}${kind}`).toBeDefined();
        expect(alarm!.Properties['Namespace']).toBe('AWS/States');
      }
    }
  });

  it('pages on destroy failures and on a teardown stuck waiting for a provider', () => {
    expect(byId('AlarmsDestroyFailures')?.Properties).toMatchObject({ MetricName: METRIC.DestroyFailures });
    expect(byId('AlarmsTeardownStuck')?.Properties).toMatchObject({
      MetricName: METRIC.TeardownPendingSeconds,
      Statistic: 'Maximum',
    });
  });

  it('pages on orphaned instances, on the aggregate metric the reconciler emits', () => {
    expect(byId('AlarmsOrphansFound')?.Properties).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.OrphansFound,
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      Statistic: 'Sum',
      Threshold: 1,
    });
  });

  it('wires every alarm of the stack to the encrypted, TLS-only alarm topic with the email subscription', () => {
    const topics = template.findResources('AWS::SNS::Topic');
    const [topicId, topic] = Object.entries(topics).find(([id]) => id.startsWith('AlarmsTopic'))!;
    expect((topic as Resource).Properties['KmsMasterKeyId']).toBeDefined();
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties['AlarmActions'], id).toEqual([{ Ref: topicId }]);
    }
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});
