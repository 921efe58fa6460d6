// The consumer-event infrastructure in the template (issue 18): the stack's own bus, a rule on source gpu-shopper
// into an encrypted queue with a DLQ, the dispatcher draining it with partial batch failures, and PutEvents granted
// to exactly the publishing functions, on that bus only.
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuShopperStack } from '../../infra/stack.ts';
import { consumerEvents, functions } from '../../shared/app-model.ts';

type Resource = { Properties: Record<string, unknown> };

let template: Template;
let stack: GpuShopperStack;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], alarmEmail: 'ops@example.com' } });
  stack = new GpuShopperStack(app, 'Test');
  template = Template.fromStack(stack);
});

function actionsOf(functionId: string): { actions: string[]; text: string } {
  const role = stack.node.findChild(functionId).node.findChild('Role');
  const roleId = stack.getLogicalId(role.node.defaultChild as never);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify((p as Resource).Properties['Roles']).includes(roleId),
  );
  const actions = policies.flatMap((p) =>
    ((p as Resource).Properties['PolicyDocument'] as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => [s.Action].flat()),
  );
  return { actions, text: JSON.stringify(policies) };
}

const ref = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

describe('consumer events in the stack', () => {
  it('has its own bus and a rule on source gpu-shopper into the delivery queue', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    const busId = ref(stack.consumerEvents.bus);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: busId },
      EventPattern: { source: ['gpu-shopper'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [ref(stack.consumerEvents.queue), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ref(stack.consumerEvents.deadLetters), 'Arn'] } },
        }),
      ],
    });
  });

  it('queues with encryption, a day of retention and more, and a DLQ after maxReceiveCount', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: consumerEvents.retentionDays * 86_400,
      VisibilityTimeout: 360,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [ref(stack.consumerEvents.deadLetters), 'Arn'] },
        maxReceiveCount: consumerEvents.maxReceiveCount,
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    // the rule may send to the queue (and only the bus's rule may)
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']), Principal: { Service: 'events.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('drains the queue with the dispatcher, reporting partial batch failures', () => {
    const dispatcher = stack.fn(consumerEvents.dispatcherFunctionId).fn;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: ref(dispatcher) },
      EventSourceArn: { 'Fn::GetAtt': [ref(stack.consumerEvents.queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const { actions } = actionsOf(consumerEvents.dispatcherFunctionId);
    // ChangeMessageVisibility is how it postpones a message to its backoff step
    expect(actions).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']));
    expect(actions).toEqual(expect.arrayContaining(['kms:Decrypt']));
    expect(actions).not.toContain('events:PutEvents');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Signs and POSTs'),
      Environment: { Variables: Match.objectLike({ DELIVERY_QUEUE_URL: { Ref: ref(stack.consumerEvents.queue) } }) },
    });
  });

  it('grants PutEvents on the bus to every publishing function and to no other', () => {
    const busArn = JSON.stringify({ 'Fn::GetAtt': [ref(stack.consumerEvents.bus), 'Arn'] });
    for (const spec of functions) {
      const { actions, text } = actionsOf(spec.id);
      if (spec.access.events) {
        expect(actions, spec.id).toContain('events:PutEvents');
        expect(text, spec.id).toContain(busArn);
      } else {
        expect(actions, spec.id).not.toContain('events:PutEvents');
      }
    }
    for (const id of ['SessionsApi', 'BeginProvisioning', 'RecordRefund', 'CloseSession', 'SessionSweep', 'Reconcile', 'CostsApi']) {
      expect(functions.find((f) => f.id === id)!.access.events, id).toBe(true);
    }
  });

  it('alarms when the DLQ holds a message', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ref(stack.consumerEvents.deadLetters), 'QueueName'] } }],
      Threshold: 1,
    });
  });
});
