// The alarms that page an operator, all wired to one SNS topic (encrypted, TLS-only): SSH verification failures,
// failed or timed-out executions, instances that could not be destroyed, orphaned instances, teardowns stuck on a
// provider, function errors. Metric names come from shared/observability/metric-names.ts, the same names the code emits.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC, type MetricName } from '../../shared/observability/metric-names.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/powertools.ts';

export interface OperationsAlarmsProps {
  stateMachines: Map<string, sfn.StateMachine>;
  functions: lambda.IFunction[];
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
    // CloudWatch cannot publish to a topic under the AWS-managed SNS key, so the topic has its own key
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.grantEncryptDecrypt(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));
    this.topic = new sns.Topic(this, 'Topic', { masterKey: key, enforceSSL: true, displayName: 'GPU Shopper alarms' });
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
    // an alarm's math expression takes at most 10 metrics: one alarm per group of ten functions
    for (let group = 0; group * 10 < props.functions.length; group++) {
      const members = props.functions.slice(group * 10, group * 10 + 10);
      const errors = Object.fromEntries(
        members.map((fn, i) => [`e${i}`, fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })]),
      );
      this.add(`FunctionErrors${group + 1}`, {
        alarmDescription: 'Lambda functions failed (unhandled errors, timeouts); see Logs Insights for the request ids.',
        metric: new cloudwatch.MathExpression({
          expression: Object.keys(errors).join('+'),
          usingMetrics: errors,
          period: Duration.minutes(5),
          label: `errors of functions ${group * 10 + 1}-${group * 10 + members.length}`,
        }),
        threshold: 1,
      });
    }
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
