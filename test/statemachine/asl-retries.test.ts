// Every task of every state machine survives a crashed or throttled invocation: Lambda reports those as Lambda.*
// errors, and each task is idempotent, so each retries them (directly or through States.ALL) rather than failing the
// session. The chaos run's random task crashes rely on it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionById, functionIdFromResource, stateMachines } from '../../shared/app-model.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LAMBDA_FAULTS = [
  'Lambda.Unknown',
  'Lambda.ServiceException',
  'Lambda.TooManyRequestsException',
  // the Lambda client gave up waiting for the invocation: the function may still have run, and retrying is safe
  'Lambda.ClientExecutionTimeoutException',
];

interface State {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  Retry?: { ErrorEquals: string[] }[];
}

describe.each(stateMachines)('$id state machine', (machine) => {
  const states = (JSON.parse(readFileSync(path.join(ROOT, machine.definitionFile), 'utf8')) as { States: Record<string, State> }).States;
  const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');

  it.each(tasks.map(([name]) => name))('%s retries crashed and throttled invocations', (name) => {
    const retried = new Set((states[name]!.Retry ?? []).flatMap((r) => r.ErrorEquals));
    const missing = LAMBDA_FAULTS.filter((e) => !retried.has(e) && !retried.has('States.ALL'));
    expect(missing).toEqual([]);
  });

  it.each(tasks.map(([name]) => name))('%s waits a little longer than its function may run, so a retry never overlaps the first try', (name) => {
    const state = states[name]!;
    const fn = functionById(functionIdFromResource(state.Resource!)!);
    expect(state.TimeoutSeconds).toBeGreaterThan(fn.timeoutSeconds);
    expect(state.TimeoutSeconds).toBeLessThanOrEqual(fn.timeoutSeconds + 30);
  });
});
