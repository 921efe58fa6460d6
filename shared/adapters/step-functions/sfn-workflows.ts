// Starts and stops session executions through the Step Functions API (SFN_ENDPOINT points it at the local service).
// Executions are named by session id, so starting twice finds the first one instead of making a second.
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { optionalEnv } from '../../config.ts';
import type { ExecutionInfo, Workflows } from '../../ports/workflows.ts';

export function createSfnClient(): SFNClient {
  const endpoint = optionalEnv('SFN_ENDPOINT');
  return new SFNClient(
    endpoint
      ? { endpoint, region: optionalEnv('AWS_REGION') ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {},
  );
}

export class SfnWorkflows implements Workflows {
  constructor(
    private readonly sfn: SFNClient,
    private readonly provisioningStateMachineArn: string,
  ) {}

  /** arn:…:stateMachine:<name> → arn:…:execution:<name>:<execution name> */
  private executionArn(sessionId: string): string {
    return `${this.provisioningStateMachineArn.replace(':stateMachine:', ':execution:')}:${sessionId}`;
  }

  async startProvisioning(sessionId: string): Promise<ExecutionInfo> {
    try {
      const { executionArn } = await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.provisioningStateMachineArn,
          name: sessionId,
          // ids only: execution history is visible in the console
          input: JSON.stringify({ session_id: sessionId }),
        }),
      );
      return { execution_arn: executionArn!, status: 'RUNNING' };
    } catch (err) {
      if (!(err instanceof ExecutionAlreadyExists)) throw err;
      const existing = await this.describeProvisioning(sessionId);
      if (!existing) throw err;
      return existing;
    }
  }

  async stopProvisioning(sessionId: string, reason: string): Promise<void> {
    try {
      await this.sfn.send(
        new StopExecutionCommand({ executionArn: this.executionArn(sessionId), error: 'SessionEnded', cause: reason }),
      );
    } catch (err) {
      if (!(err instanceof ExecutionDoesNotExist)) throw err;
    }
  }

  async describeProvisioning(sessionId: string): Promise<ExecutionInfo | undefined> {
    try {
      const d = await this.sfn.send(new DescribeExecutionCommand({ executionArn: this.executionArn(sessionId) }));
      return { execution_arn: d.executionArn!, status: d.status as ExecutionInfo['status'] };
    } catch (err) {
      if (err instanceof ExecutionDoesNotExist) return undefined;
      throw err;
    }
  }
}
