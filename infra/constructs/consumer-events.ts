// Consumer events (issue 18) in AWS: the stack's own EventBridge bus, one rule (source gpu-shopper) into an SQS queue
// with a DLQ, drained by the webhook dispatcher with partial batch failures. The dispatcher postpones a message to its
// next backoff step (ChangeMessageVisibility, part of the consume grant); a message that keeps failing past
// maxReceiveCount (a dispatcher fault, not a receiver's — those are dead-lettered in the table) lands in the DLQ.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { consumerEvents } from '../../shared/app-model.ts';

interface ConsumerEventsProps {
  dispatcher: lambda.Function;
  dispatcherTimeoutSeconds: number;
  /** every function that publishes consumer events */
  publishers: lambda.Function[];
}

export class ConsumerEvents extends Construct {
  readonly bus: events.EventBus;
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  readonly rule: events.Rule;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ConsumerEventsProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', { description: 'GPU Shopper consumer events (session status, attempts, budgets)' });
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Deliveries', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // a day of backoff, with room for a dispatcher outage
      retentionPeriod: Duration.days(consumerEvents.retentionDays),
      // AWS's advice for Lambda event sources: six times the function timeout
      visibilityTimeout: Duration.seconds(6 * props.dispatcherTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: consumerEvents.maxReceiveCount },
    });
    this.rule = new events.Rule(this, 'ToDeliveries', {
      eventBus: this.bus,
      description: 'Every consumer event to the webhook delivery queue',
      eventPattern: { source: [consumerEvents.source] },
      targets: [new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetters, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });
    props.dispatcher.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxBatchingWindow: Duration.seconds(1) }),
    );
    props.dispatcher.addEnvironment('DELIVERY_QUEUE_URL', this.queue.queueUrl);
    for (const fn of props.publishers) {
      fn.addEnvironment('EVENT_BUS_NAME', this.bus.eventBusName);
      this.bus.grantPutEventsTo(fn);
    }
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: 'Consumer events the webhook dispatcher could not process (see its logs); redrive the DLQ once fixed.',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
