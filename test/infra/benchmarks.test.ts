// The benchmark feature in the deployed stack: its state machine from statemachines/benchmark-run.asl.json with the
// Map's concurrency limit and its task functions, the one-minute schedule check on EventBridge Scheduler, and IAM
// that gives each benchmark function only the state machines it starts.
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuShopperStack } from '../../infra/stack.ts';

let stack: GpuShopperStack;
let template: Template;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], alarmEmail: 'ops@example.com' } });
  stack = new GpuShopperStack(app, 'Bench');
  template = Template.fromStack(stack);
});

const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  Stack.of(stack).getLogicalId(construct.node.defaultChild as never);

/** Every IAM action granted to a function's role, with the resources each statement names. */
function statementsOf(functionId: string): { actions: string[]; resources: string }[] {
  const roleRef = stack.resolve((stack.fn(functionId).fn.role!.node.defaultChild as unknown as { ref: string }).ref) as { Ref: string };
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(roleRef.Ref),
  );
  return policies.flatMap((p) =>
    (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement.map(
      (s) => ({ actions: [s.Action].flat(), resources: JSON.stringify(s.Resource) }),
    ),
  );
}

describe('benchmarks in the stack', () => {
  it('deploys the benchmark-run state machine: a Map over the items at most 4 at a time, tasks wired to their functions', () => {
    const machine = stack.stateMachines.get('BenchmarkRun')!;
    const resource = template.toJSON().Resources[logicalId(machine)];
    const definition = JSON.parse(resource.Properties.DefinitionString as string);
    expect(definition.States.RunItems).toMatchObject({ Type: 'Map', MaxConcurrency: 4 });
    const substitutions = resource.Properties.DefinitionSubstitutions as Record<string, unknown>;
    for (const fid of ['PlanBenchmarkRun', 'AdvanceBenchmarkItem', 'RunBenchmark', 'FinishBenchmarkRun']) {
      expect(substitutions[`${fid}Arn`], fid).toEqual({ 'Fn::GetAtt': [logicalId(stack.fn(fid).fn), 'Arn'] });
    }
    expect(resource.Properties.StateMachineType).toBe('STANDARD');
  });

  it('fires the schedule check every minute through EventBridge Scheduler, with retries and a dead-letter queue', () => {
    const fnId = logicalId(stack.fn('BenchmarkScheduleCheck').fn);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }),
        DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
      }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ BENCHMARK_RUN_STATE_MACHINE_ARN: Match.anyValue() }) },
    });
  });

  it('gives each benchmark function only the state machines it starts', () => {
    const starts = (fid: string) =>
      statementsOf(fid)
        .filter((s) => s.actions.includes('states:StartExecution'))
        .map((s) => s.resources);
    const machineRef = (id: string) => logicalId(stack.stateMachines.get(id)!);
    expect(starts('BenchmarkRunsApi').join()).toContain(machineRef('BenchmarkRun'));
    expect(starts('BenchmarkRunsApi').join()).not.toContain(machineRef('Provisioning'));
    expect(starts('AdvanceBenchmarkItem').join()).toContain(machineRef('Provisioning'));
    expect(starts('AdvanceBenchmarkItem').join()).not.toContain(machineRef('BenchmarkRun'));
    expect(starts('BenchmarkScheduleCheck').join()).toContain(machineRef('BenchmarkRun'));
    expect(starts('BenchmarksApi')).toEqual([]);
    expect(starts('RunBenchmark')).toEqual([]);
    // only the functions that read session keys may decrypt them
    const decrypts = (fid: string) => statementsOf(fid).some((s) => s.actions.includes('kms:Decrypt'));
    expect(decrypts('RunBenchmark')).toBe(true);
    expect(decrypts('BenchmarksApi')).toBe(false);
    expect(decrypts('BenchmarkRunsApi')).toBe(false);
  });
});
