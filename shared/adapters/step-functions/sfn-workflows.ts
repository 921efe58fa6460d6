// Starts and stops session executions through the Step Functions API (at a local endpoint: the local service).
// Executions are named by session id, so starting twice finds the first one instead of making a second.
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { traced } from '../../observability/tracing.ts';
import { type ExecutionInfo, type ExecutionStatus, teardownExecutionName, type Workflows } from '../../ports/workflows.ts';

export function createSfnClient(local?: { endpoint: string; region: string }): SFNClient {
  return traced(new SFNClient(
    local ? { ...local, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {},
  ));
}

interface StateMachineArns {
  provisioning: string;
  teardown: string;
}

export class SfnWorkflows implements Workflows {
  constructor(
    private readonly sfn: SFNClient,
    private readonly arns: Partial<StateMachineArns>,
  ) {}

  private arn(machine: keyof StateMachineArns): string {
    const arn = this.arns[machine];
    if (!arn) throw new Error(`the ${machine} state machine is not wired to this function`);
    return arn;
  }

  /** arn:…:stateMachine:<name> → arn:…:execution:<name>:<execution name> */
  private executionArn(machine: keyof StateMachineArns, name: string): string {
    return `${this.arn(machine).replace(':stateMachine:', ':execution:')}:${name}`;
  }

  executionArns(sessionId: string, teardownRun = 0): { provisioning: string; teardown: string } {
    return {
      provisioning: this.arns.provisioning ? this.executionArn('provisioning', sessionId) : '',
      teardown: this.arns.teardown ? this.executionArn('teardown', teardownExecutionName(sessionId, teardownRun)) : '',
    };
  }

  private async start(machine: keyof StateMachineArns, sessionId: string, name = sessionId): Promise<ExecutionInfo> {
    try {
      const { executionArn } = await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.arn(machine),
          name,
          // ids only: execution history is visible in the console
          input: JSON.stringify({ session_id: sessionId }),
        }),
      );
      return { execution_arn: executionArn!, status: 'RUNNING' };
    } catch (err) {
      if (!(err instanceof ExecutionAlreadyExists)) throw err;
      const existing = await this.describe(machine, name);
      if (!existing) throw err;
      return existing;
    }
  }

  private async describe(machine: keyof StateMachineArns, name: string): Promise<ExecutionInfo | undefined> {
    try {
      const d = await this.sfn.send(new DescribeExecutionCommand({ executionArn: this.executionArn(machine, name) }));
      return { execution_arn: d.executionArn!, status: d.status as ExecutionStatus };
    } catch (err) {
      if (err instanceof ExecutionDoesNotExist) return undefined;
      throw err;
    }
  }

  startProvisioning(sessionId: string): Promise<ExecutionInfo> {
    return this.start('provisioning', sessionId);
  }

  describeProvisioning(sessionId: string): Promise<ExecutionInfo | undefined> {
    return this.describe('provisioning', sessionId);
  }

  async stopProvisioning(sessionId: string, reason: string): Promise<void> {
    try {
      await this.sfn.send(
        new StopExecutionCommand({
          executionArn: this.executionArn('provisioning', sessionId),
          error: 'SessionEnded',
          cause: reason,
        }),
      );
    } catch (err) {
      if (!(err instanceof ExecutionDoesNotExist)) throw err;
    }
  }

  startTeardown(sessionId: string, run = 0): Promise<ExecutionInfo> {
    return this.start('teardown', sessionId, teardownExecutionName(sessionId, run));
  }

  describeTeardown(sessionId: string, run = 0): Promise<ExecutionInfo | undefined> {
    return this.describe('teardown', teardownExecutionName(sessionId, run));
  }
}

/** The benchmark-run workflow (issue 19): one execution per run, named by the run id. */
export class SfnBenchmarkWorkflow {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string | undefined,
  ) {}

  private arn(): string {
    if (!this.stateMachineArn) throw new Error('the benchmark-run state machine is not wired to this function');
    return this.stateMachineArn;
  }

  executionArn(runId: string): string {
    return this.stateMachineArn ? `${this.arn().replace(':stateMachine:', ':execution:')}:${runId}` : '';
  }

  async start(runId: string): Promise<void> {
    try {
      // ids only: execution history is visible in the console
      await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.arn(), name: runId, input: JSON.stringify({ run_id: runId }) }));
    } catch (err) {
      if (!(err instanceof ExecutionAlreadyExists)) throw err;
    }
  }
}
