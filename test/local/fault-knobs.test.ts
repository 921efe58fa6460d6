// The local fault knob: random crashes of state-machine tasks only, before or after their work, counted.
import { describe, expect, it } from 'vitest';
import { abortTeardowns, failingTasks, randomCrashes, type TeardownFaultCounts } from '../../local/fault-knobs.ts';

/** A random source that plays back the given values, in order. */
const script = (...values: number[]) => () => {
  const v = values.shift();
  if (v === undefined) throw new Error('script ran out');
  return v;
};

describe('random task crashes', () => {
  it('crash a listed function before or after its work, each with half the rate, and count them', () => {
    // rate 0.2: a roll under 0.1 crashes
    const { faults, counts } = randomCrashes(0.2, ['CreateInstance', 'CloseSession'], script(0.05, 0.5, 0.09, 0.11));
    expect(faults.crashBefore!('CreateInstance')).toBe(true);
    expect(faults.crashBefore!('CreateInstance')).toBe(false);
    expect(faults.crashAfter!('CreateInstance')).toBe(true);
    expect(faults.crashAfter!('CloseSession')).toBe(false);
    expect(counts).toEqual({ before: 1, after: 1, by_function: { CreateInstance: 2 } });
  });

  it('never crash other functions (HTTP routes, schedules), and never at rate 0', () => {
    const { faults, counts } = randomCrashes(1, ['CreateInstance'], () => 0);
    expect(faults.crashBefore!('SessionsApi')).toBe(false);
    expect(faults.crashAfter!('SessionSweep')).toBe(false);
    const off = randomCrashes(0, ['CreateInstance'], () => 0);
    expect(off.faults.crashBefore!('CreateInstance')).toBe(false);
    expect(counts.before + counts.after).toBe(0);
  });

  it('refuse a rate outside 0..1', () => {
    expect(() => randomCrashes(1.5, [])).toThrow(RangeError);
    expect(() => randomCrashes(Number.NaN, [])).toThrow(RangeError);
  });
});

describe('teardown fault knobs', () => {
  const fresh = (): TeardownFaultCounts => ({ failed_tasks: 0, failing_sessions: 0, teardowns_aborted: 0 });

  it('fail the listed tasks of every session (share 1) their first `times` invocations, then let them through', () => {
    const counts = fresh();
    const fail = failingTasks(['StopProvisioning', 'CloseSession'], 1, 3, counts);
    const event = { session_id: 's-1' };
    expect([1, 2, 3, 4].map(() => fail('CloseSession', event))).toEqual([true, true, true, false]);
    expect(fail('StopProvisioning', event)).toBe(true);
    expect(fail('DestroySessionInstances', event)).toBe(false);
    expect(fail('CloseSession', {})).toBe(false);
    expect(counts).toEqual({ failed_tasks: 4, failing_sessions: 1, teardowns_aborted: 0 });
  });

  it('pick a stable share of sessions by id; share 0 fails none', () => {
    const counts = fresh();
    const fail = failingTasks(['CloseSession'], 0.5, 100, counts);
    const ids = Array.from({ length: 200 }, (_, n) => `session-${n}`);
    const picked = ids.filter((id) => fail('CloseSession', { session_id: id }));
    expect(picked.length).toBeGreaterThan(60);
    expect(picked.length).toBeLessThan(140);
    expect(ids.filter((id) => fail('CloseSession', { session_id: id }))).toEqual(picked);
    const none = failingTasks(['CloseSession'], 0, 100, fresh());
    expect(ids.some((id) => none('CloseSession', { session_id: id }))).toBe(false);
    expect(() => failingTasks([], 2, 1, fresh())).toThrow(RangeError);
  });

  it('stop a running teardown execution (once decided), and never another state machine’s', async () => {
    const executions = [
      { executionArn: 'arn:x:execution:Teardown:a', stateMachineArn: 'arn:x:stateMachine:Teardown', status: 'RUNNING' },
      { executionArn: 'arn:x:execution:Provisioning:a', stateMachineArn: 'arn:x:stateMachine:Provisioning', status: 'RUNNING' },
    ];
    const stopped: string[] = [];
    const counts = fresh();
    const end = abortTeardowns(
      {
        allExecutions: () => executions,
        stopExecution: ({ executionArn }) => {
          stopped.push(executionArn);
          executions.find((e) => e.executionArn === executionArn)!.status = 'ABORTED';
        },
      },
      1,
      counts,
      () => 0,
    );
    await new Promise((r) => setTimeout(r, 600));
    end();
    expect(stopped).toEqual(['arn:x:execution:Teardown:a']);
    expect(counts.teardowns_aborted).toBe(1);
  });
});
