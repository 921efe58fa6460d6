// The alarms that page an operator, all wired to one SNS topic (encrypted, TLS-only): SSH verification failures,
// failed or timed-out executions, instances that could not be destroyed, orphaned instances, teardowns stuck on a
// provider, function errors. Metric names come from shared/observability/metric-names.ts, the same names the code emits.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC, type MetricName } from '../../shared/observability/metric-names.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/powertools.ts';

export interface OperationsAlarmsProps {
  /** the customer managed key the alarm topic is encrypted with */
  key: kms.IKey;
  stateMachines: Map<string, sfn.StateMachine>;
  /** the functions EventBridge runs on a schedule */
  scheduledFunctions: lambda.IFunction[];
  api: apigw.HttpApi;
  alarmEmail?: string;
  /** seconds a teardown may wait on a provider before paging */
  teardownStuckSeconds: number;
}

/** An aggregate (service-only) metric the code emits. */
export function serviceMetric(name: MetricName, statistic: string, period = Duration.minutes(5)): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME },
    statistic,
    period,
  });
}

export class OperationsAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    // CloudWatch cannot publish to a topic under the AWS-managed SNS key: the topic uses the stack's own key, which
    // CloudWatch may use for exactly what publishing to an encrypted topic needs
    props.key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
    this.topic = new sns.Topic(this, 'Topic', { masterKey: props.key, enforceSSL: true, displayName: 'GPU Shopper alarms' });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    this.add('SshVerificationFailures', {
      alarmDescription: 'An instance never became reachable over SSH (destroyed and refunded); see the session timeline.',
      metric: serviceMetric(METRIC.SshVerificationFailed, cloudwatch.Stats.SUM),
      threshold: 1,
    });
    this.add('DestroyFailures', {
      alarmDescription: 'A provider never confirmed an instance destroyed: it may still be billing. Check the reconciler.',
      metric: serviceMetric(METRIC.DestroyFailures, cloudwatch.Stats.SUM),
      threshold: 1,
    });
    this.add('OrphansFound', {
      alarmDescription:
        "The reconciler found instances of this deployment that no active session owns (it destroys them); find out how they leaked: the logs name the instance, label and reason.",
      metric: serviceMetric(METRIC.OrphansFound, cloudwatch.Stats.SUM),
      threshold: 1,
    });
    this.add('TeardownStuck', {
      alarmDescription: `A teardown has waited more than ${props.teardownStuckSeconds}s for a provider to confirm destruction.`,
      metric: serviceMetric(METRIC.TeardownPendingSeconds, cloudwatch.Stats.MAXIMUM),
      threshold: props.teardownStuckSeconds,
    });
    for (const [name, machine] of props.stateMachines) {
      this.add(`${name}ExecutionsFailed`, {
        alarmDescription: `${name} executions failed (see the execution in the Step Functions console).`,
        metric: machine.metricFailed({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
      });
      this.add(`${name}ExecutionsTimedOut`, {
        alarmDescription: `${name} executions timed out: their compensation never ran; the reconciler is the safety net.`,
        metric: machine.metricTimedOut({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
      });
    }
    // Function failures, watched as cheaply as they can be (an alarm costs per metric it reads): unexpected errors
    // from every handler on one metric; the HTTP API's 5xx (a crashed or timed-out route); the scheduled functions'
    // own Errors (a timed-out run). Task functions' crashes and timeouts end in the execution alarms above.
    this.add('FunctionErrors', {
      alarmDescription: 'A function failed unexpectedly (a bug or a dependency down); Logs Insights: level = "ERROR".',
      metric: serviceMetric(METRIC.UnhandledErrors, cloudwatch.Stats.SUM),
      threshold: 1,
    });
    this.add('ApiServerErrors', {
      alarmDescription: 'The HTTP API answered 5xx (a route crashed or timed out); see the API access log.',
      metric: props.api.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
    });
    const scheduled = Object.fromEntries(
      props.scheduledFunctions.map((fn, i) => [`s${i}`, fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })]),
    );
    this.add('ScheduledFunctionErrors', {
      alarmDescription: 'A scheduled run (inventory refresh, sweep, reconciler, templates) failed or timed out.',
      metric: new cloudwatch.MathExpression({
        expression: Object.keys(scheduled).join('+'),
        usingMetrics: scheduled,
        period: Duration.minutes(5),
        label: 'scheduled function errors',
      }),
      threshold: 1,
    });
  }

  private add(id: string, props: Omit<cloudwatch.AlarmProps, 'evaluationPeriods' | 'comparisonOperator'>): void {
    this.alarms.push(
      new cloudwatch.Alarm(this, id, {
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...props,
      }),
    );
  }

  /** Every alarm of the stack, this construct's and others', notifies the topic. */
  notify(alarms: cloudwatch.Alarm[]): void {
    for (const alarm of alarms) alarm.addAlarmAction(new SnsAction(this.topic));
  }
}
