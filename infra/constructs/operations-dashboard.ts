// The operator's dashboard: sessions, provisioning and SSH verification, inventory freshness, the safety net
// (orphans, ghosts, destroy failures, refunds), consumer events and webhooks, the state machines, the API and the
// functions, and every alarm.
// Metric names come from the code's catalogues (shared/observability/), with the dimensions the code emits; a test
// checks both against the emitting code.
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { apiAuthorizer } from '../../shared/app-model.ts';
import { PROVIDERS } from '../../shared/domain/offer.ts';
import { INVENTORY_METRICS, PROVIDER_DIMENSION } from '../../shared/observability/inventory-metrics.ts';
import { METRIC, type MetricName } from '../../shared/observability/metric-names.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/powertools.ts';
import { serviceMetric } from './operations-alarms.ts';

interface OperationsDashboardProps {
  api: apigw.HttpApi;
  stateMachines: Map<string, sfn.StateMachine>;
  functions: Map<string, { fn: lambda.IFunction; logGroup: logs.ILogGroup }>;
  /** the Step Functions task functions, whose log lines carry session_id */
  taskFunctionIds: string[];
  alarms: cloudwatch.IAlarm[];
  inventoryStaleAlarmSeconds: number;
  /** the webhook delivery queue and its dead letters (consumer events) */
  webhookQueues: { deliveries: sqs.IQueue; deadLetters: sqs.IQueue };
}

const PERIOD = Duration.minutes(5);
type CodeMetricName = MetricName | (typeof INVENTORY_METRICS)[keyof typeof INVENTORY_METRICS];

/**
 * Every series of a metric the code emits with exactly these dimensions (besides `service`), one line per
 * combination of their values: new providers, GPU types and failure classes appear without a deploy.
 */
function searchMetric(name: CodeMetricName, dimensions: string[], statistic: string, label = ''): cloudwatch.SearchExpression {
  const schema = [METRICS_NAMESPACE, 'service', ...dimensions].join(',');
  return new cloudwatch.SearchExpression({
    expression: `SEARCH('{${schema}} service="${SERVICE_NAME}" MetricName="${name}"', '${statistic}', ${PERIOD.toSeconds()})`,
    label,
    period: PERIOD,
  });
}

/** The total over every series of `searchMetric`, as one line. */
function searchTotal(name: CodeMetricName, dimensions: string[], label: string): cloudwatch.MathExpression {
  const search = searchMetric(name, dimensions, 'Sum').expression;
  return new cloudwatch.MathExpression({ expression: `SUM(${search})`, usingMetrics: {}, label, period: PERIOD });
}

function providerMetric(name: CodeMetricName, provider: string, statistic: string, label: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME, [PROVIDER_DIMENSION]: provider },
    statistic,
    period: PERIOD,
    label,
  });
}

const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
  new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, period: PERIOD, ...extra });

export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    const d = this.dashboard;

    d.addWidgets(
      new cloudwatch.TextWidget({
        width: 24,
        height: 3,
        markdown: [
          '# GPU Shopper',
          'Why did a session fail? `gpu-shopper sessions events <id>` (each SSH probe with its class), its provisioning execution ' +
            '(named by the session id) in the Step Functions console, and the Logs Insights queries in the README. ' +
            'Metrics: namespace `GpuShopper`, dimension `service`.',
        ].join('\n\n'),
      }),
    );
    d.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: 24, height: 4 }));

    d.addWidgets(
      graph('Sessions created, failed and ended (per 5 min)', [
        searchTotal(METRIC.SessionsCreated, ['provider'], 'created'),
        searchTotal(METRIC.SessionsFailed, ['provider', 'error_type'], 'failed'),
        searchTotal(METRIC.SessionsEnded, ['reason'], 'ended'),
        serviceMetric(METRIC.SessionsExpired, 'Sum').with({ label: 'expired' }),
        serviceMetric(METRIC.SessionsHardMaxed, 'Sum').with({ label: 'hard maximum' }),
      ]),
      graph('Failed sessions by provider and error type', [searchMetric(METRIC.SessionsFailed, ['provider', 'error_type'], 'Sum')]),
    );

    d.addWidgets(
      graph(
        'Provisioning duration (request to SSH-verified), p50 and p95',
        PROVIDERS.flatMap((p) => [
          providerMetric(METRIC.ProvisioningDuration, p, 'p50', `${p} p50`),
          providerMetric(METRIC.ProvisioningDuration, p, 'p95', `${p} p95`),
        ]),
        { leftYAxis: { label: 'ms', showUnits: false, min: 0 } },
      ),
      graph(
        'SSH verification duration by provider and GPU, p50 and p95',
        [
          searchMetric(METRIC.SshVerificationDuration, ['provider', 'gpu_type'], 'p50', 'p50'),
          searchMetric(METRIC.SshVerificationDuration, ['provider', 'gpu_type'], 'p95', 'p95'),
        ],
        { leftYAxis: { label: 'ms', showUnits: false, min: 0 } },
      ),
    );

    d.addWidgets(
      graph('SSH verification failures by provider, GPU and class', [
        searchMetric(METRIC.SshVerificationFailed, ['provider', 'gpu_type', 'failure_class'], 'Sum'),
      ]),
      graph(
        'Failed attempts, retries and refunds',
        [
          searchTotal(METRIC.ProvisioningAttemptsFailed, ['provider', 'gpu_type', 'failure_class'], 'failed attempts'),
          searchTotal(METRIC.ProvisioningRetries, ['provider', 'scope'], 'retries on another offer'),
          searchTotal(METRIC.Refunds, ['provider'], 'refunds'),
        ],
        { right: [searchTotal(METRIC.RefundedAmount, ['provider'], 'refunded USD')] },
      ),
    );

    d.addWidgets(
      graph(
        'Inventory snapshot age per provider (max)',
        PROVIDERS.map((p) => providerMetric(INVENTORY_METRICS.snapshotAge, p, 'Maximum', p)),
        {
          leftYAxis: { label: 'seconds', showUnits: false, min: 0 },
          leftAnnotations: [{ value: props.inventoryStaleAlarmSeconds, label: 'stale alarm', color: '#d62728' }],
        },
      ),
      graph(
        'Inventory offers and refresh errors per provider',
        PROVIDERS.map((p) => providerMetric(INVENTORY_METRICS.offers, p, 'Maximum', `${p} offers`)),
        { right: PROVIDERS.map((p) => providerMetric(INVENTORY_METRICS.refreshErrors, p, 'Sum', `${p} refresh errors`)) },
      ),
    );

    d.addWidgets(
      graph(
        'Reconciler (orphans, ghosts) and destroy failures',
        [
          serviceMetric(METRIC.OrphansFound, 'Sum').with({ label: 'orphans found' }),
          serviceMetric(METRIC.OrphansDestroyed, 'Sum').with({ label: 'orphans destroyed' }),
          serviceMetric(METRIC.GhostsFound, 'Sum').with({ label: 'ghosts found' }),
          serviceMetric(METRIC.ReconcileListingFailures, 'Sum').with({ label: 'reconciler listings failed' }),
          serviceMetric(METRIC.DestroyFailures, 'Sum').with({ label: 'destroy failures' }),
        ],
        { right: [serviceMetric(METRIC.TeardownPendingSeconds, 'Maximum').with({ label: 'teardown waiting (s, max)' })] },
      ),
      graph(
        'State machine executions',
        [...props.stateMachines].flatMap(([name, machine]) => [
          machine.metricStarted({ period: PERIOD, statistic: 'Sum', label: `${name} started` }),
          machine.metricFailed({ period: PERIOD, statistic: 'Sum', label: `${name} failed` }),
          machine.metricTimedOut({ period: PERIOD, statistic: 'Sum', label: `${name} timed out` }),
        ]),
      ),
    );

    const { deliveries, deadLetters } = props.webhookQueues;
    d.addWidgets(
      graph(
        'Consumer events and webhook deliveries by outcome',
        [
          serviceMetric(METRIC.ConsumerEventsPublished, 'Sum').with({ label: 'events published' }),
          serviceMetric(METRIC.ConsumerEventsFailed, 'Sum').with({ label: 'events lost (bus refused)' }),
          searchMetric(METRIC.WebhookDeliveries, ['outcome'], 'Sum'),
        ],
        { right: [deadLetters.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: 'dead letters' })] },
      ),
      graph(
        'Webhook delivery latency (event to delivered) and queue age',
        [
          serviceMetric(METRIC.WebhookDeliveryLatency, 'p50').with({ label: 'p50' }),
          serviceMetric(METRIC.WebhookDeliveryLatency, 'p95').with({ label: 'p95' }),
        ],
        {
          leftYAxis: { label: 'ms', showUnits: false, min: 0 },
          right: [deliveries.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum', label: 'oldest waiting (s)' })],
        },
      ),
    );

    const { api } = props;
    d.addWidgets(
      graph(
        'API requests and errors',
        [api.metricCount({ period: PERIOD, statistic: 'Sum', label: 'requests' })],
        {
          right: [
            api.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx' }),
            api.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' }),
            searchTotal(METRIC.ApiKeysRejected, ['reason'], 'API keys refused'),
            serviceMetric(METRIC.AuthorizerErrors, 'Sum').with({ label: 'authorizer errors' }),
          ],
        },
      ),
      graph(
        'API latency',
        [
          api.metricLatency({ period: PERIOD, statistic: 'p50', label: 'p50' }),
          api.metricLatency({ period: PERIOD, statistic: 'p95', label: 'p95' }),
          api.metricLatency({ period: PERIOD, statistic: 'p99', label: 'p99' }),
          api.metricIntegrationLatency({ period: PERIOD, statistic: 'p95', label: 'integration p95' }),
        ],
        { leftYAxis: { label: 'ms', showUnits: false, min: 0 } },
      ),
    );

    const taskLogs = props.taskFunctionIds.map((fid) => props.functions.get(fid)!.logGroup.logGroupName);
    d.addWidgets(
      graph(
        'Function errors',
        [...props.functions]
          // the authorizer fails by design for every refused key (that is how API Gateway answers 401): shown above
          .filter(([fid]) => fid !== apiAuthorizer.functionId)
          .map(([fid, f]) => f.fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: fid })),
      ),
      new cloudwatch.LogQueryWidget({
        title: 'Latest task errors (session, step, error)',
        logGroupNames: taskLogs,
        region,
        width: 12,
        height: 6,
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        queryLines: [
          'fields @timestamp, session_id, attempt, function_name, error_name, error_message, error.message',
          'filter message = "task ended with a routed error" or level = "ERROR"',
          'sort @timestamp desc',
          'limit 50',
        ],
      }),
    );

    new CfnOutput(scope, 'DashboardName', { value: this.dashboard.dashboardName });
  }
}
