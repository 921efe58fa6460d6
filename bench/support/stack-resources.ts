// The monthly fixed items of the deployed stack, counted from the CDK template itself (bundling skipped).
export interface StackResources {
  alarms: number;
  /** metrics watched by alarms: CloudWatch bills alarms per metric */
  alarmMetrics: number;
  /** per alarm (logical id): metrics it watches */
  alarmList: { id: string; metrics: number }[];
  kmsKeys: number;
  secrets: number;
  dashboards: number;
  logGroups: number;
}

export async function stackResources(): Promise<StackResources> {
  const { App } = await import('aws-cdk-lib');
  const { Template } = await import('aws-cdk-lib/assertions');
  const { GpuShopperStack } = await import('../../infra/stack.ts');
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], alarmEmail: 'ops@example.com' } });
  const template = Template.fromStack(new GpuShopperStack(app, 'Bench'));
  const count = (type: string) => Object.keys(template.findResources(type)).length;
  const alarmList = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([id, alarm]) => {
    const metrics = (alarm['Properties'] as { Metrics?: { MetricStat?: unknown }[] }).Metrics;
    return { id, metrics: metrics ? metrics.filter((m) => m.MetricStat).length : 1 };
  });
  return {
    alarms: alarmList.length,
    alarmMetrics: alarmList.reduce((sum, a) => sum + a.metrics, 0),
    alarmList,
    kmsKeys: count('AWS::KMS::Key'),
    secrets: count('AWS::SecretsManager::Secret'),
    dashboards: count('AWS::CloudWatch::Dashboard'),
    logGroups: count('AWS::Logs::LogGroup'),
  };
}
