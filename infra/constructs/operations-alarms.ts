// The alarms that page an operator, all notifying one SNS topic (the stack's own, encrypted and TLS-only, or the
// team's existing pager topic) on ALARM and on OK: SSH verification failing at a rate (fleet-wide and for one
// provider/GPU), instances that could not be destroyed, orphans, teardowns stuck on a provider, provisioning
// executions that failed in a way no session outcome explains, task crashes, server faults of the API, and each
// scheduled function's errors. Ordinary outcomes (a session that failed and was refunded) stay on the dashboard.
// Metric names come from shared/observability/metric-names.ts, the same names the code emits.
import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';
import { FAILURE_TYPES } from '../../shared/domain/session.ts';
import { METRIC, type MetricName } from '../../shared/observability/metric-names.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/powertools.ts';
import { SSH_ALARM, sshFailureRateExpressions, sshWorstGroupQuery } from './ssh-alarm-math.ts';

interface OperationsAlarmsProps {
  /** the customer managed key the stack's own alarm topic is encrypted with */
  key: kms.IKey;
  stateMachines: Map<string, sfn.StateMachine>;
  /** the functions a schedule runs, by app-model id */
  scheduledFunctions: Map<string, lambda.IFunction>;
  /** the functions behind API routes (not the authorizer, which fails by design for every refused key) */
  apiFunctions: Map<string, lambda.IFunction>;
  api: apigw.HttpApi;
  alarmEmail?: string;
  /** notify this existing topic instead of creating one */
  alarmTopicArn?: string;
  /** seconds a teardown may wait on a provider before paging */
  teardownStuckSeconds: number;
  logRetention: logs.RetentionDays;
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

/** A CloudWatch alarm reads at most 10 metrics. */
const MAX_ALARM_METRICS = 10;

/**
 * How a provisioning execution ends when a session simply failed (its Fail state's Error is the session's
 * error_type), plus DestroyFailed, which pages through DestroyFailures already. Anything else needs a person.
 */
export const ORDINARY_PROVISIONING_ERRORS = [...FAILURE_TYPES, 'DestroyFailed'];

export class OperationsAlarms extends Construct {
  readonly topic: sns.ITopic;
  readonly alarms: cloudwatch.Alarm[] = [];
  /** matches provisioning executions that failed for a reason no session outcome explains */
  readonly unexpectedProvisioningFailures: events.Rule;
  /** holds those executions' events until an operator has dealt with them (and deletes them) */
  readonly provisioningNeedsOperator: sqs.Queue;

  constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    if (props.alarmTopicArn) {
      // the owner of that topic keeps its policy (and key policy) open to CloudWatch alarms
      this.topic = sns.Topic.fromTopicArn(this, 'Topic', props.alarmTopicArn);
    } else {
      // CloudWatch cannot publish to a topic under the AWS-managed SNS key: the topic uses the stack's own key, which
      // CloudWatch may use for exactly what publishing to an encrypted topic needs
      props.key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
      const topic = new sns.Topic(this, 'Topic', { masterKey: props.key, enforceSSL: true, displayName: 'GPU Shopper alarms' });
      if (props.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      this.topic = topic;
    }

    this.buildSshAlarms();
    this.add('DestroyFailures', {
      alarmDescription:
        'A provider never confirmed an instance destroyed (provisioning compensation or teardown): it may still be billing. Check the reconciler.',
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
    this.add('TaskCrashes', {
      alarmDescription:
        'A Step Functions task crashed or timed out past its retries (Lambda.Unknown, States.Timeout…); the session failed as provider_error. Logs Insights: level = "ERROR".',
      metric: serviceMetric(METRIC.TaskCrashes, cloudwatch.Stats.SUM),
      threshold: 1,
    });
    [this.unexpectedProvisioningFailures, this.provisioningNeedsOperator] = this.buildExecutionAlarms(props);
    // unexpected errors from every handler on one metric (an alarm costs per metric it reads)
    this.add('FunctionErrors', {
      alarmDescription: 'A function failed unexpectedly (a bug or a dependency down); Logs Insights: level = "ERROR".',
      metric: serviceMetric(METRIC.UnhandledErrors, cloudwatch.Stats.SUM),
      threshold: 1,
    });
    this.buildApiAlarm(props);
    // one alarm per scheduled function: a sum over them would go missing whenever one of them (the hourly template
    // refresh) has no datapoint, and a single alarm cannot say which run failed
    for (const [fid, fn] of props.scheduledFunctions) {
      this.add(`ScheduledFunctionErrors${fid}`, {
        alarmDescription: `The scheduled function ${fid} failed or timed out; see its log group.`,
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
      });
    }
  }

  private buildSshAlarms(): void {
    const fleet = sshFailureRateExpressions();
    this.add('SshVerificationFailureRate', {
      alarmDescription:
        `SSH verification is failing across the fleet: at least ${SSH_ALARM.minFailures} failures and ${SSH_ALARM.ratePercent} % of ` +
        `verifications in ${SSH_ALARM.datapointsToAlarm} of ${SSH_ALARM.evaluationPeriods} ${SSH_ALARM.periodMinutes}-minute periods. ` +
        'Dashboard: SSH verification failures by provider, GPU and class; `gpu-shopper sessions events <id>`.',
      metric: new cloudwatch.MathExpression({
        expression: fleet.rate,
        usingMetrics: {
          n: serviceMetric(METRIC.SshVerificationOutcome, cloudwatch.Stats.SAMPLE_COUNT, Duration.minutes(SSH_ALARM.periodMinutes)),
          d: serviceMetric(METRIC.SshVerificationOutcome, cloudwatch.Stats.SUM, Duration.minutes(SSH_ALARM.periodMinutes)),
        },
        period: Duration.minutes(SSH_ALARM.periodMinutes),
        label: 'SSH verification failure rate (%)',
      }),
      threshold: SSH_ALARM.ratePercent,
      evaluationPeriods: SSH_ALARM.evaluationPeriods,
      datapointsToAlarm: SSH_ALARM.datapointsToAlarm,
    });
    this.add('SshVerificationFailureRateByGpu', {
      alarmDescription:
        `One provider/GPU type is failing SSH verification: its failures outnumber its verified instances by ` +
        `${SSH_ALARM.groupExcess} or more within ${SSH_ALARM.groupPeriodMinutes} minutes (more than half failed). ` +
        'Dashboard: SSH verification failures by provider, GPU and class.',
      metric: new cloudwatch.MathExpression({
        expression: sshWorstGroupQuery(METRICS_NAMESPACE, SERVICE_NAME),
        usingMetrics: {},
        period: Duration.minutes(SSH_ALARM.groupPeriodMinutes),
        label: 'worst provider/GPU: failures minus verified',
      }),
      threshold: SSH_ALARM.groupExcess,
    });
  }

  private buildExecutionAlarms(props: OperationsAlarmsProps): [events.Rule, sqs.Queue] {
    for (const [name, machine] of props.stateMachines) {
      this.add(`${name}ExecutionsTimedOut`, {
        alarmDescription: `${name} executions timed out: their compensation never ran; the reconciler is the safety net.`,
        metric: machine.metricTimedOut({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
      });
    }
    // every teardown failure (instances not confirmed gone, costs not closed) needs a person
    const teardown = props.stateMachines.get('Teardown');
    if (teardown) {
      this.add('TeardownExecutionsFailed', {
        alarmDescription: 'A teardown execution failed: instances may still run or costs stay open (see the execution).',
        metric: teardown.metricFailed({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
      });
    }
    // a provisioning execution ends failed for every session that failed in the ordinary way: only the others page
    const provisioning = props.stateMachines.get('Provisioning')!;
    const rule = new events.Rule(this, 'UnexpectedProvisioningFailures', {
      description: 'Provisioning executions that failed with an error no session outcome explains (a task died past its retries, a runtime error)',
      eventPattern: unexpectedProvisioningFailurePattern(provisioning.stateMachineArn),
    });
    // the matched events (execution ARN, error, cause) wait in a queue for whoever is paged: the alarm stays on
    // until they have been read and deleted, which is what "needs a person" means
    const queue = new sqs.Queue(this, 'ProvisioningNeedsOperatorQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(queue, 'AwsSolutions-SQS3', 'Nothing consumes this queue but an operator: it holds events to read, there is nothing to dead-letter.');
    rule.addTarget(new targets.SqsQueue(queue));
    this.add('ProvisioningNeedsOperator', {
      alarmDescription:
        'A provisioning execution failed with an error that is no session outcome (not a refunded failure): its event (execution ARN, error, cause) is in the ProvisioningNeedsOperator queue; delete it once handled.',
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
    });
    return [rule, queue];
  }

  /**
   * Server faults of the API: the 5xx answers the handlers counted (every 5xx but 503 stale_inventory, which a
   * client gets for an offer that just vanished) plus the API functions' own errors (a crash or timeout before any
   * answer). API Gateway's 5xx metric would count stale_inventory too.
   */
  private buildApiAlarm(props: OperationsAlarmsProps): void {
    const metrics: [string, cloudwatch.IMetric][] = [['faults', serviceMetric(METRIC.ApiServerFaults, cloudwatch.Stats.SUM)]];
    [...props.apiFunctions.values()].forEach((fn, i) => {
      metrics.push([`e${i}`, fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })]);
    });
    // an alarm reads at most MAX_ALARM_METRICS metrics: more route functions spread over ApiServerErrors2, 3, …
    for (let start = 0, n = 1; start < metrics.length; start += MAX_ALARM_METRICS, n++) {
      const usingMetrics = Object.fromEntries(metrics.slice(start, start + MAX_ALARM_METRICS));
      this.add(n === 1 ? 'ApiServerErrors' : `ApiServerErrors${n}`, {
        alarmDescription:
          'The API had server faults (5xx other than 503 stale_inventory, or a route function crashed or timed out); see the API access log and Logs Insights level = "ERROR".',
        metric: new cloudwatch.MathExpression({
          expression: Object.keys(usingMetrics).map((m) => `FILL(${m}, 0)`).join(' + '),
          usingMetrics,
          period: Duration.minutes(5),
          label: 'API server faults',
        }),
        threshold: 1,
      });
    }
  }

  private add(id: string, props: Omit<cloudwatch.AlarmProps, 'evaluationPeriods' | 'comparisonOperator'> & { evaluationPeriods?: number }): void {
    this.alarms.push(
      new cloudwatch.Alarm(this, id, {
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...props,
      }),
    );
  }

  /** Every alarm of the stack, this construct's and others', notifies the topic when it fires and when it clears. */
  notify(alarms: cloudwatch.Alarm[]): void {
    const action = new SnsAction(this.topic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}

/** Failed provisioning executions whose error is not an ordinary session outcome. */
function unexpectedProvisioningFailurePattern(stateMachineArn: string): events.EventPattern {
  return {
    source: ['aws.states'],
    detailType: ['Step Functions Execution Status Change'],
    detail: {
      stateMachineArn: [stateMachineArn],
      status: ['FAILED'],
      error: [{ 'anything-but': ORDINARY_PROVISIONING_ERRORS }],
    },
  };
}
