// Every task that calls a provider backs off on ProviderPacingError (the shared pacing had no slot soon enough), the
// create's backoff is long enough to wait out a queue of creates several minutes long, and a create that kept its
// place in the queue waits for it in WaitForCreateSlot.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import '../../local/promise-polyfill.ts';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { stateMachines } from '../../shared/app-model.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  MaxAttempts?: number;
}

const PROVIDER_TASKS: Record<string, string[]> = {
  Provisioning: ['CreateInstance', 'VerifySsh', 'VerifyApi', 'DestroyInstance'],
  Teardown: ['DestroySessionInstances'],
};

function states(id: string): Record<string, { Retry?: Retrier[] }> {
  const machine = stateMachines.find((m) => m.id === id)!;
  return JSON.parse(readFileSync(path.join(ROOT, machine.definitionFile), 'utf8')).States;
}

/** the longest total backoff a retrier allows (no jitter, i.e. its upper bound) */
function totalBackoffSeconds(r: Retrier): number {
  let total = 0;
  for (let i = 0; i < (r.MaxAttempts ?? 3); i++) {
    total += Math.min(r.MaxDelaySeconds ?? Number.POSITIVE_INFINITY, (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** i);
  }
  return total;
}

describe('ASL retries of the shared provider pacing', () => {
  for (const [machine, tasks] of Object.entries(PROVIDER_TASKS)) {
    it.each(tasks)(`${machine}: %s backs off on ProviderPacingError`, (task) => {
      const retriers = states(machine)[task]!.Retry ?? [];
      const first = retriers.find((r) => r.ErrorEquals.includes('ProviderPacingError') || r.ErrorEquals.includes('States.ALL'));
      expect(first?.ErrorEquals).toContain('ProviderPacingError');
    });
  }

  it('CreateInstance waits out a queue of creates of several minutes (Vast.ai: one create per 4.5 s per key)', () => {
    const retrier = states('Provisioning')['CreateInstance']!.Retry!.find((r) => r.ErrorEquals.includes('ProviderPacingError'))!;
    // ≥ 100 queued Vast creates (450 s) plus the 75 s a task may sleep for its slot
    expect(totalBackoffSeconds(retrier)).toBeGreaterThanOrEqual(450);
  });
});

describe('a create that keeps its place in the queue (the real provisioning ASL)', () => {
  it('waits until the time CreateInstance names, then calls it again, spending none of its retries', async () => {
    const machine = stateMachines.find((m) => m.id === 'Provisioning')!;
    const raw = readFileSync(path.join(ROOT, machine.definitionFile), 'utf8');
    const definition = JSON.parse(raw.replace(/\$\{(\w+)Arn\}/g, (_m, id: string) => `arn:aws:lambda:us-east-1:123456789012:function:${id}`));
    const calls: { state: string; at: number; input: unknown }[] = [];
    const task = (state: string, answer: (input: Record<string, unknown>, n: number) => unknown) => async (input: Record<string, unknown>) => {
      calls.push({ state, at: Date.now(), input });
      return answer(input, calls.filter((c) => c.state === state).length);
    };
    const execution = new StateMachine(definition, { validationOptions: { checkArn: false } }).run(
      { session_id: 's-1' },
      {
        overrides: {
          taskResourceLocalHandlers: {
            BeginProvisioning: task('BeginProvisioning', (i) => ({ ...i, attempt: 1 })),
            CreateInstance: task('CreateInstance', (i, n) =>
              n === 1 ? { ...i, create_wait_until: new Date(Date.now() + 1500).toISOString() } : i,
            ),
            VerifySsh: task('VerifySsh', (i) => ({ ...i, ready: true, verify_api: false, wait_seconds: 0 })),
            // biome-ignore lint/suspicious/noExplicitAny: the library types handlers over its own JSON type
          } as any,
        },
      },
    );
    await execution.result;
    expect(calls.map((c) => c.state)).toEqual(['BeginProvisioning', 'CreateInstance', 'CreateInstance', 'VerifySsh']);
    const [first, second] = calls.filter((c) => c.state === 'CreateInstance');
    // the Wait honoured the timestamp, and the second call got the ids only (not the wait)
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
    expect(second!.input).toEqual({ session_id: 's-1', attempt: 1 });
  });
});
