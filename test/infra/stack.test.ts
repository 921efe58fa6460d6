import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuShopperStack, schedulePeriodMinutes } from '../../infra/stack.ts';
import { functions, routes, schedules, stateMachines } from '../../shared/app-model.ts';

let template: Template;
let stack: GpuShopperStack;

beforeAll(() => {
  // bundling skipped: esbuild is exercised by `cdk synth` and the bundle benchmark, not by every assertion
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], alarmEmail: 'ops@example.com' } });
  stack = new GpuShopperStack(app, 'Test');
  template = Template.fromStack(stack);
});

describe('the CDK stack built from the app model', () => {
  it('has one Lambda per app-model function, Node.js 22 on ARM64', () => {
    const fns = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(fns)).toHaveLength(functions.length);
    for (const fn of Object.values(fns)) {
      expect(fn['Properties']).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    }
  });

  it('reserves concurrency exactly where the app model does (the sweep and the reconciler: one at a time)', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f) => f['Properties'] as { Description: string; ReservedConcurrentExecutions?: number },
    );
    const reserved = Object.fromEntries(
      fns.filter((f) => f.ReservedConcurrentExecutions !== undefined).map((f) => [f.Description, f.ReservedConcurrentExecutions]),
    );
    const expected = functions.filter((f) => f.reservedConcurrency !== undefined);
    expect(expected.map((f) => f.id).sort()).toEqual(['Reconcile', 'SessionSweep']);
    expect(reserved).toEqual(Object.fromEntries(expected.map((f) => [f.description, f.reservedConcurrency])));
  });

  it('has the table with on-demand billing, point-in-time recovery and TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });

  it('routes every app-model route, plus a $default route, on an HTTP API', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    const keys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => (r['Properties'] as { RouteKey: string }).RouteKey,
    );
    expect(keys.sort()).toEqual([...routes.map((r) => `${r.method} ${r.path}`), '$default'].sort());
  });

  it('loads every state machine from its ASL file with the task functions substituted', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', stateMachines.length);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      DefinitionSubstitutions: Match.anyValue(),
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  it('runs each schedule on EventBridge Scheduler with retries no older than one period and a dead-letter queue', () => {
    const found = Object.values(template.findResources('AWS::Scheduler::Schedule')) as { Properties: Record<string, never> }[];
    expect(found).toHaveLength(schedules.length);
    const dlqId = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) => id.startsWith('ScheduleDeadLetters'))!;
    for (const spec of schedules) {
      const minutes = schedulePeriodMinutes(spec.defaultPeriodSeconds);
      const fnId = stack.getLogicalId(stack.fn(spec.functionId).fn.node.defaultChild as never);
      const schedule = found.find((f) => JSON.stringify(f.Properties['Target']).includes(fnId));
      expect(schedule, spec.id).toBeDefined();
      const expression = String(schedule!.Properties['ScheduleExpression']);
      const [, amount, unit] = /^rate\((\d+) (minute|hour)s?\)$/.exec(expression) ?? [];
      expect(Number(amount) * (unit === 'hour' ? 60 : 1), expression).toBe(minutes);
      expect(schedule!.Properties['Target']).toMatchObject({
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: minutes * 60 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
      });
    }
    // the unexpected-provisioning-failure rule and the consumer-event rule on its own bus
    template.resourceCountIs('AWS::Events::Rule', 2);
  });

  it('never runs two reconcilers or two sweeps at once (reserved concurrency 1)', () => {
    for (const fid of ['Reconcile', 'SessionSweep']) {
      const id = stack.getLogicalId(stack.fn(fid).fn.node.defaultChild as never);
      expect(template.findResources('AWS::Lambda::Function')[id]!['Properties']['ReservedConcurrentExecutions'], fid).toBe(1);
    }
    const others = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => f['Properties']['ReservedConcurrentExecutions'] !== undefined,
    );
    expect(others).toHaveLength(2);
  });

  it('protects the data: table deletion protection, table and provider credentials retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('traces every Lambda and state machine in X-Ray', () => {
    for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
      expect(fn['Properties']['TracingConfig'], id).toEqual({ Mode: 'Active' });
    }
    for (const [id, sm] of Object.entries(template.findResources('AWS::StepFunctions::StateMachine'))) {
      expect(sm['Properties']['TracingConfiguration'], id).toEqual({ Enabled: true });
    }
  });

  it('puts the state machines’ log groups under /aws/vendedlogs/states/', () => {
    for (const spec of stateMachines) {
      template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/vendedlogs/states/Test-${spec.id}` });
    }
  });

  it('gives every log group a retention', () => {
    for (const lg of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect((lg['Properties'] as { RetentionInDays?: number }).RetentionInDays).toBeGreaterThan(0);
    }
  });

  it('sends budget alerts to their own encrypted, TLS-only topic, which exactly the functions that move holds may publish to', () => {
    const topicId = stack.getLogicalId(stack.budgetAlerts.node.defaultChild as never);
    expect(template.findResources('AWS::SNS::Topic')[topicId]?.['Properties']['KmsMasterKeyId']).toBeDefined();
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).map((p) => JSON.stringify(p['Properties']));
    for (const spec of functions) {
      const fn = stack.fn(spec.id).fn;
      const env = (template.findResources('AWS::Lambda::Function')[stack.getLogicalId(fn.node.defaultChild as never)]!['Properties'] as {
        Environment: { Variables: Record<string, unknown> };
      }).Environment.Variables;
      const roleId = stack.getLogicalId(fn.role!.node.defaultChild as never);
      const publishes = policies.some((p) => p.includes(roleId) && p.includes('sns:Publish') && p.includes(topicId));
      expect(env['BUDGET_ALERT_TOPIC_ARN'] !== undefined, spec.id).toBe(spec.access.budgetAlerts === true);
      expect(publishes, spec.id).toBe(spec.access.budgetAlerts === true);
    }
    expect(functions.filter((f) => f.access.budgetAlerts).map((f) => f.id)).toEqual(
      expect.arrayContaining(['SessionsApi', 'CostsApi', 'ChooseRetryOffer', 'MarkFailed', 'CloseSession', 'SessionSweep']),
    );
  });

  it('grants no wildcard IAM action', () => {
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      const statements = (policy['Properties'] as { PolicyDocument: { Statement: { Action: string | string[] }[] } })
        .PolicyDocument.Statement;
      for (const s of statements) {
        for (const action of [s.Action].flat()) expect(action, `action ${action}`).not.toMatch(/\*/);
      }
    }
  });

  it.each([
    ['environment-agnostic', undefined],
    ['with a concrete account and region', { account: '123456789012', region: 'eu-west-1' }],
  ])('passes cdk-nag AwsSolutions checks %s, every acknowledgement with a reason', (_name, env) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], alarmEmail: 'ops@example.com' } });
    const nagged = new GpuShopperStack(app, 'Nagged', { env });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // policy validation throws on any unacknowledged finding
    expect(() => app.synth()).not.toThrow();
    const acks = nagged.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acks.length).toBeGreaterThan(0);
    for (const [id, reason] of acks) expect(reason.length, id).toBeGreaterThan(20);
  });
});
