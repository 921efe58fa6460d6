// The dashboard and the alarms, held to the metrics the code emits: every metric they reference is an AWS service
// metric or one of ours with the same namespace, name and dimension set as an emit call in the code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuShopperStack } from '../../infra/stack.ts';
import { functions } from '../../shared/app-model.ts';
import { PROVIDERS } from '../../shared/domain/offer.ts';
import { INVENTORY_METRICS } from '../../shared/observability/inventory-metrics.ts';
import { METRIC } from '../../shared/observability/metric-names.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/powertools.ts';
import { emitSites, emittedDimensionSets } from '../support/emitted-metrics.ts';

type Json = Record<string, unknown>;

/** One metric a widget or an alarm points at. */
interface MetricRef {
  source: string;
  namespace: string;
  name: string;
  /** dimension name → value (values of SEARCH schemas are unknown: '*') */
  dimensions: Record<string, string>;
  stat?: string;
  search?: boolean;
}

let template: Template;
let widgets: Json[];
let dashboardRefs: MetricRef[];
let alarmRefs: MetricRef[];
const emitted = emittedDimensionSets();

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], alarmEmail: 'ops@example.com' } });
  template = Template.fromStack(new GpuShopperStack(app, 'Dash'));
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Json[];
  expect(dashboards).toHaveLength(1);
  const body = JSON.parse(resolveJoin((dashboards[0]!['Properties'] as Json)['DashboardBody'])) as { widgets: Json[] };
  widgets = body.widgets;
  dashboardRefs = widgets.flatMap((w) => widgetRefs(w));
  alarmRefs = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).flatMap(([id, r]) =>
    alarmMetricRefs(id, (r as Json)['Properties'] as Json),
  );
});

/** Tokens (ARNs, the region) become a placeholder inside their JSON string. */
function resolveJoin(value: unknown): string {
  if (typeof value === 'string') return value;
  const [sep, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(sep);
}

function widgetRefs(widget: Json): MetricRef[] {
  const props = widget['properties'] as Json;
  const title = String(props['title'] ?? widget['type']);
  const rows = [...((props['metrics'] as unknown[][]) ?? [])];
  return rows.flatMap((row) => {
    const first = row[0];
    if (typeof first === 'object' && first !== null && 'expression' in first) {
      return searchRefs(String((first as Json)['expression']), title);
    }
    const [namespace, name, ...rest] = row as [string, string, ...unknown[]];
    expect(namespace, `${title}: CDK shorthand rows are not expected`).not.toBe('.');
    const dimensions: Record<string, string> = {};
    let options: Json = {};
    for (let i = 0; i < rest.length; i++) {
      if (typeof rest[i] === 'object') options = rest[i] as Json;
      else dimensions[String(rest[i])] = String(rest[++i]);
    }
    return [{ source: title, namespace, name, dimensions, stat: options['stat'] as string | undefined }];
  });
}

function searchRefs(expression: string, source: string): MetricRef[] {
  const searches = [...expression.matchAll(/SEARCH\('\{([^}]*)\}([^']*)',\s*'([^']+)'/g)];
  expect(searches.length, `${source}: ${expression} has no SEARCH with a metric schema`).toBeGreaterThan(0);
  return searches.map((m) => {
    const [namespace, ...dims] = m[1]!.split(',').map((s) => s.trim());
    const terms = m[2]!;
    const name = /MetricName="([^"]+)"/.exec(terms)?.[1];
    expect(name, `${source}: ${expression} names no metric`).toBeDefined();
    const service = /service="([^"]+)"/.exec(terms)?.[1];
    return {
      source,
      namespace: namespace!,
      name: name!,
      dimensions: Object.fromEntries(dims.map((d) => [d, d === 'service' && service ? service : '*'])),
      stat: m[3],
      search: true,
    };
  });
}

function alarmMetricRefs(id: string, p: Json): MetricRef[] {
  const dims = (list: unknown) =>
    Object.fromEntries(((list as { Name: string; Value: unknown }[]) ?? []).map((d) => [d.Name, typeof d.Value === 'string' ? d.Value : 'TOKEN']));
  if (p['MetricName']) {
    return [{ source: id, namespace: String(p['Namespace']), name: String(p['MetricName']), dimensions: dims(p['Dimensions']) }];
  }
  return ((p['Metrics'] as Json[]) ?? [])
    .filter((m) => m['MetricStat'])
    .map((m) => {
      const metric = (m['MetricStat'] as Json)['Metric'] as Json;
      return { source: id, namespace: String(metric['Namespace']), name: String(metric['MetricName']), dimensions: dims(metric['Dimensions']) };
    });
}

const catalogue = new Set<string>([...Object.values(METRIC), ...Object.values(INVENTORY_METRICS)]);

function expectEmitted(ref: MetricRef) {
  const label = `${ref.source}: ${ref.namespace}/${ref.name} {${Object.keys(ref.dimensions).join(',')}}`;
  if (ref.namespace.startsWith('AWS/')) return;
  expect(ref.namespace, label).toBe(METRICS_NAMESPACE);
  expect(catalogue.has(ref.name), `${label}: not in the metric catalogues`).toBe(true);
  expect(ref.dimensions['service'], `${label}: must be the service's own series`).toBe(SERVICE_NAME);
  const set = Object.keys(ref.dimensions).sort().join(',');
  expect([...(emitted.get(ref.name) ?? [])], `${label}: the code emits no such dimension set`).toContain(set);
}

describe('the emitted-metrics reader', () => {
  it('finds the emit calls with their dimension sets (object literals, named objects, computed keys, none)', () => {
    expect([...emitted.get(METRIC.SshVerificationFailed)!].sort()).toEqual(['failure_class,gpu_type,provider,service']);
    expect([...emitted.get(METRIC.SshVerificationOutcome)!].sort()).toEqual(['gpu_type,provider,service', 'service']);
    expect([...emitted.get(INVENTORY_METRICS.snapshotAge)!]).toEqual(['provider,service']);
    expect([...emitted.get(METRIC.ProvisioningDuration)!]).toEqual(['provider,service']);
    expect(emitSites().length).toBeGreaterThan(25);
  });

  it('every name in the catalogues is emitted somewhere', () => {
    for (const name of catalogue) expect(emitted.has(name), name).toBe(true);
  });
});

describe('operations dashboard', () => {
  it('points only at metrics the code emits (namespace, name, dimension set) or at AWS service metrics', () => {
    expect(dashboardRefs.length).toBeGreaterThan(30);
    for (const ref of dashboardRefs) expectEmitted(ref);
  });

  it('shows sessions, provisioning p50/p95, SSH failures by provider/GPU/class, inventory age per provider, orphans, ghosts, destroy failures, refunds', () => {
    const has = (name: string, dims: string[], stat?: string) =>
      dashboardRefs.some(
        (r) =>
          r.namespace === METRICS_NAMESPACE &&
          r.name === name &&
          Object.keys(r.dimensions).sort().join(',') === ['service', ...dims].sort().join(',') &&
          (stat === undefined || r.stat === stat),
      );
    for (const name of [METRIC.SessionsCreated, METRIC.SessionsFailed, METRIC.SessionsEnded]) {
      expect(dashboardRefs.some((r) => r.name === name), name).toBe(true);
    }
    expect(has(METRIC.ProvisioningDuration, ['provider'], 'p50')).toBe(true);
    expect(has(METRIC.ProvisioningDuration, ['provider'], 'p95')).toBe(true);
    expect(has(METRIC.SshVerificationFailed, ['provider', 'gpu_type', 'failure_class'])).toBe(true);
    for (const provider of PROVIDERS) {
      expect(
        dashboardRefs.some((r) => r.name === INVENTORY_METRICS.snapshotAge && r.dimensions['provider'] === provider),
        provider,
      ).toBe(true);
    }
    for (const name of [METRIC.OrphansFound, METRIC.GhostsFound, METRIC.DestroyFailures, METRIC.Refunds]) {
      expect(dashboardRefs.some((r) => r.name === name), name).toBe(true);
    }
  });

  it('shows consumer events, webhook deliveries by outcome with their latency, and the delivery queues', () => {
    const names = (ns: string) => new Set(dashboardRefs.filter((r) => r.namespace === ns).map((r) => r.name));
    for (const name of [METRIC.ConsumerEventsPublished, METRIC.ConsumerEventsFailed, METRIC.WebhookDeliveries, METRIC.WebhookDeliveryLatency]) {
      expect(names(METRICS_NAMESPACE).has(name), name).toBe(true);
    }
    expect(dashboardRefs.some((r) => r.name === METRIC.WebhookDeliveries && 'outcome' in r.dimensions)).toBe(true);
    expect(names('AWS/SQS')).toEqual(new Set(['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage']));
  });

  it('shows API errors and latency from API Gateway, for this API', () => {
    const api = dashboardRefs.filter((r) => r.namespace === 'AWS/ApiGateway');
    expect(new Set(api.map((r) => r.name))).toEqual(new Set(['Count', '4xx', '5xx', 'Latency', 'IntegrationLatency']));
    expect(api.every((r) => Object.keys(r.dimensions).join() === 'ApiId' && r.dimensions['ApiId'] === 'TOKEN')).toBe(true);
    expect(api.filter((r) => r.name === 'Latency').map((r) => r.stat)).toEqual(['p50', 'p95', 'p99']);
  });

  it('lists every alarm of the stack in its alarm widget', () => {
    const alarmWidget = widgets.find((w) => w['type'] === 'alarm')!;
    const shown = (alarmWidget['properties'] as { alarms: string[] }).alarms;
    expect(shown).toHaveLength(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length);
  });

  it("queries the task logs by the message and fields the task handler really logs", () => {
    const query = widgets.find((w) => w['type'] === 'log')!['properties'] as { query: string };
    const taskHandler = readFileSync(path.resolve(import.meta.dirname, '../../shared/tasks/task-handler.ts'), 'utf8');
    const message = /message = "([^"]+)"/.exec(query.query)![1]!;
    expect(taskHandler).toContain(`logger.info('${message}', { error_name: err.name, error_message: err.message })`);
    expect(query.query).toMatch(/fields .*session_id.*error_name, error_message/);
    // one SOURCE per task function's log group
    const tasks = functions.filter((f) => f.entry.startsWith('functions/tasks/'));
    expect(tasks.length).toBeGreaterThan(10);
    expect(query.query.match(/SOURCE '/g)?.length).toBe(tasks.length);
  });
});

describe('alarms', () => {
  it('point only at metrics the code emits or at AWS service metrics', () => {
    expect(alarmRefs.length).toBeGreaterThan(10);
    for (const ref of alarmRefs) expectEmitted(ref);
  });

  it('exist for every condition the issues name', () => {
    const ids = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    const expected = [
      'AlarmsSshVerificationFailureRate',
      'AlarmsSshVerificationFailureRateByGpu',
      'AlarmsProvisioningNeedsOperator',
      'AlarmsTaskCrashes',
      'AlarmsProvisioningExecutionsTimedOut',
      'AlarmsTeardownExecutionsFailed',
      'AlarmsTeardownExecutionsTimedOut',
      'AlarmsDestroyFailures',
      'AlarmsTeardownStuck',
      'AlarmsFunctionErrors',
      'AlarmsApiServerErrors',
      ...['RefreshInventory', 'RefreshTemplates', 'SessionSweep', 'Reconcile'].map((f) => `AlarmsScheduledFunctionErrors${f}`),
      'ScheduleDeadLetter',
      'AlarmsOrphansFound',
      'InventoryRefreshNotRunning',
      ...PROVIDERS.map((p) => `InventoryStale${p}`),
    ];
    for (const prefix of expected) expect(ids.some((id) => id.startsWith(prefix)), prefix).toBe(true);
    const byMetric = (name: string) => alarmRefs.some((r) => r.name === name && r.namespace === METRICS_NAMESPACE);
    for (const name of [
      METRIC.SshVerificationOutcome,
      METRIC.ApiServerFaults,
      METRIC.TaskCrashes,
      METRIC.DestroyFailures,
      METRIC.OrphansFound,
      METRIC.UnhandledErrors,
      INVENTORY_METRICS.snapshotAge,
    ]) {
      expect(byMetric(name), name).toBe(true);
    }
  });
});
