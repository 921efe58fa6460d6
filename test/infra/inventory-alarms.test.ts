import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { GpuShopperStack } from '../../infra/stack.ts';
import { PROVIDERS } from '../../shared/domain/offer.ts';
import { INVENTORY_METRICS } from '../../shared/observability/inventory-metrics.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/powertools.ts';

function synth(context: Record<string, unknown> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], alarmEmail: 'ops@example.com', ...context } });
  const stack = new GpuShopperStack(app, 'Test');
  return { stack, template: Template.fromStack(stack) };
}

type Alarm = { Properties: Record<string, unknown> };

// each test synthesizes the whole stack: tens of seconds on a busy two-core machine
describe('stale inventory alarms', { timeout: 90_000 }, () => {
  it('has one alarm per provider on the snapshot age metric the refresh emits', () => {
    const { template, stack } = synth();
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
    for (const provider of PROVIDERS) {
      const alarm = alarms.find((a) =>
        (a.Properties['Dimensions'] as { Name: string; Value: string }[] | undefined)?.some(
          (d) => d.Name === 'provider' && d.Value === provider,
        ),
      );
      expect(alarm, provider).toBeDefined();
      expect(alarm!.Properties).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        MetricName: INVENTORY_METRICS.snapshotAge,
        Statistic: 'Maximum',
        Threshold: 900,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(alarm!.Properties['Dimensions']).toEqual(
        expect.arrayContaining([
          { Name: 'service', Value: SERVICE_NAME },
          { Name: 'provider', Value: provider },
        ]),
      );
    }
    // and one for a refresh that stopped running
    expect(alarms.find((a) => a.Properties['MetricName'] === 'Invocations')!.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(stack.alarms.filter((a) => a.node.id.startsWith('Inventory'))).toHaveLength(PROVIDERS.length + 1);
  });

  it('takes its threshold from the inventoryStaleAlarmSeconds context value', () => {
    const { template } = synth({ inventoryStaleAlarmSeconds: 1800 });
    const thresholds = (Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Alarm[])
      .filter((a) => a.Properties['MetricName'] === INVENTORY_METRICS.snapshotAge)
      .map((a) => a.Properties['Threshold']);
    expect(thresholds).toEqual(PROVIDERS.map(() => 1800));
  });

  it('tells every function the maximum snapshot age', () => {
    const { template } = synth({ inventoryMaxAgeSeconds: 300 });
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as Alarm[]) {
      const env = (fn.Properties['Environment'] as { Variables: Record<string, string> }).Variables;
      expect(env['INVENTORY_MAX_AGE_SECONDS']).toBe('300');
    }
  });
});
