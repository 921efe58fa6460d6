import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import type { StateMachineSpec } from '../../shared/app-model.ts';
import { type Invoker, LocalStepFunctions } from '../../local/step-functions.ts';

const fixture = { id: 'Fixture', definitionFile: 'test/fixtures/retry-catch.asl.json', arnEnv: 'X', timeoutSeconds: 60 };
const projectRoot = path.resolve(import.meta.dirname, '../..');

class FakeLambdas implements Invoker {
  calls: { id: string; event: unknown }[] = [];
  constructor(private readonly behaviour: Record<string, (event: unknown, attempt: number) => unknown>) {}
  async invoke<T>(id: string, event: unknown): Promise<T> {
    const attempt = this.calls.filter((c) => c.id === id).length + 1;
    this.calls.push({ id, event });
    return this.behaviour[id]!(event, attempt) as T;
  }
}

function named(name: string, message = name): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

const services: LocalStepFunctions[] = [];
function service(lambdas: Invoker, dataDir?: string, waits: Record<string, number> = { WaitABit: 0 }) {
  const s = new LocalStepFunctions({
    lambdas,
    projectRoot,
    machines: [fixture as StateMachineSpec],
    dataDir,
    waitTimeOverrides: waits,
    retryIntervalOverrides: { DoWork: 1 },
  });
  services.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

async function clientFor(s: LocalStepFunctions) {
  const endpoint = await s.listen();
  return new SFNClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
}

describe('local Step Functions service', () => {
  it('runs Task states through the mapped functions and retries a named error', async () => {
    const lambdas = new FakeLambdas({
      Work: (_e, attempt) => {
        if (attempt < 3) throw named('FlakyError');
        return { ok: true, attempt };
      },
      Undo: () => ({}),
    });
    const s = service(lambdas);
    const sfn = await clientFor(s);
    const arn = s.stateMachineArn('Fixture');
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'exec-1', input: '{"session_id":"s1"}' }),
    );
    await s.settle();
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toEqual({ session_id: 's1', work: { ok: true, attempt: 3 } });
    expect(lambdas.calls.map((c) => c.id)).toEqual(['Work', 'Work', 'Work']);
    expect(lambdas.calls[0]!.event).toEqual({ session_id: 's1' });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const types = events!.map((e) => String(e.type));
    expect(types.filter((t) => t === 'TaskRetried')).toHaveLength(2);
    expect(types.at(0)).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
  });

  it('pauses every retry by retryIntervalMs when asked (accelerated runs), and names the task functions', async () => {
    const lambdas = new FakeLambdas({
      Work: (_e, attempt) => {
        if (attempt < 3) throw named('FlakyError');
        return {};
      },
      Undo: () => ({}),
    });
    // the fixture retries after 1 s, then 2 s: 3 s in all without the knob
    const s = new LocalStepFunctions({ lambdas, projectRoot, machines: [fixture as StateMachineSpec], retryIntervalMs: 20, waitTimeOverrides: { WaitABit: 0 } });
    services.push(s);
    expect(s.taskFunctionIds().sort()).toEqual(['Undo', 'Work']);
    const started = Date.now();
    s.startExecution({ stateMachineArn: s.stateMachineArn('Fixture'), name: 'fast-retries', input: '{}' });
    await s.settle();
    expect(lambdas.calls.map((c) => c.id)).toEqual(['Work', 'Work', 'Work']);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('catches a permanent error into the compensation and ends in the Fail state', async () => {
    const lambdas = new FakeLambdas({
      Work: () => {
        throw named('OfferGoneError', 'offer 42 is gone');
      },
      Undo: (event) => ({ undone: (event as { error: { Error: string } }).error.Error }),
    });
    const s = service(lambdas);
    const sfn = await clientFor(s);
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: s.stateMachineArn('Fixture'), name: 'exec-2', input: '{}' }),
    );
    await s.settle();
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(d.status).toBe('FAILED');
    expect(d.error).toBe('WorkFailed');
    expect(lambdas.calls.map((c) => c.id)).toEqual(['Work', 'Undo']);
  });

  it('treats a second start with the same name as idempotent while running, and refuses it once closed', async () => {
    const lambdas = new FakeLambdas({ Work: () => ({}), Undo: () => ({}) });
    const s = service(lambdas, undefined, { WaitABit: 500 });
    const sfn = await clientFor(s);
    const req = { stateMachineArn: s.stateMachineArn('Fixture'), name: 'same', input: '{"a":1}' };
    const first = await sfn.send(new StartExecutionCommand(req));
    const second = await sfn.send(new StartExecutionCommand(req));
    expect(second.executionArn).toBe(first.executionArn);
    await expect(sfn.send(new StartExecutionCommand({ ...req, input: '{"a":2}' }))).rejects.toBeInstanceOf(
      ExecutionAlreadyExists,
    );
    await s.settle();
    await expect(sfn.send(new StartExecutionCommand(req))).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    expect(lambdas.calls).toHaveLength(1);
  });

  it('stops a running execution', async () => {
    const lambdas = new FakeLambdas({ Work: () => ({}), Undo: () => ({}) });
    const s = service(lambdas, undefined, { WaitABit: 10_000 });
    const sfn = await clientFor(s);
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: s.stateMachineArn('Fixture'), name: 'stop-me', input: '{}' }),
    );
    await new Promise((r) => setTimeout(r, 50));
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Teardown', cause: 'session ended' }));
    await s.settle(5000);
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(d.status).toBe('ABORTED');
    expect(d.error).toBe('Teardown');
  });

  it('keeps executions on disk and resumes one that was running when the process stopped', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sfn-'));
    const first = new FakeLambdas({ Work: () => ({ run: 1 }), Undo: () => ({}) });
    const s1 = service(first, dataDir, { WaitABit: 10_000 });
    const { executionArn } = s1.startExecution({ stateMachineArn: s1.stateMachineArn('Fixture'), name: 'durable', input: '{}' });
    await new Promise((r) => setTimeout(r, 100));
    await s1.close(); // a stop mid-execution, e.g. Ctrl-C
    // execution files name sessions and carry their inputs: the owner's alone
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dataDir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(statSync(path.join(dataDir, f)).mode & 0o777, f).toBe(0o600);

    const second = new FakeLambdas({ Work: () => ({ run: 2 }), Undo: () => ({}) });
    const s2 = service(second, dataDir);
    expect(s2.describeExecution({ executionArn }).status).toBe('RUNNING');
    expect(s2.resumeInterrupted()).toBe(1);
    await s2.settle();
    const d = s2.describeExecution({ executionArn });
    expect(d.status).toBe('SUCCEEDED');
    expect(d.resumed).toBe(1);
    expect(JSON.parse(d.output!)).toEqual({ work: { run: 2 } });
    expect(s2.getExecutionHistory({ executionArn }).events.some((e) => e.type === 'ExecutionResumed')).toBe(true);
  });
});
