// Every task that calls a provider backs off on ProviderPacingError (the shared pacing had no slot soon enough), and
// the create's backoff is long enough to wait out a queue of creates several minutes long.
import { readFileSync } from 'node:fs';
import path from 'node:path';
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
