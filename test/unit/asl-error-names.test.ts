// The error names the state machines route on (Retry/Catch ErrorEquals) against the error classes the tasks throw:
// a renamed class would otherwise turn a retry into a failure, or a handled end into a crash, without a type error.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as errors from '../../shared/domain/errors.ts';
import * as providerErrors from '../../shared/domain/provider-errors.ts';
import * as provisioningErrors from '../../shared/domain/provisioning-errors.ts';

type Rule = { ErrorEquals: string[] };

function rules(file: string): { retry: string[]; catch: string[] } {
  const out = { retry: [] as string[], catch: [] as string[] };
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Retry') out.retry.push(...(value as Rule[]).flatMap((r) => r.ErrorEquals));
      if (key === 'Catch') out.catch.push(...(value as Rule[]).flatMap((r) => r.ErrorEquals));
      walk(value);
    }
  };
  walk(JSON.parse(readFileSync(new URL(`../../statemachines/${file}`, import.meta.url), 'utf8')));
  return out;
}

/** Step Functions' and Lambda's own names, which no class of ours carries */
const isPlatformName = (name: string) => /^(States|Lambda)\./.test(name);

/** every error class the domain defines, by the name an instance carries (the name the ASL sees) */
function errorClasses(): Map<string, Error> {
  const byName = new Map<string, Error>();
  for (const value of [...Object.values(errors), ...Object.values(providerErrors), ...Object.values(provisioningErrors)]) {
    if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue;
    const instance = new (value as new (message: string) => Error)('probe');
    byName.set(instance.name, instance);
  }
  return byName;
}

describe('the ASL error-name contract', () => {
  const classes = errorClasses();

  it.each(['provisioning.asl.json', 'teardown.asl.json'])('%s routes only on names the tasks can throw', (file) => {
    const { retry, catch: caught } = rules(file);
    const ours = [...new Set([...retry, ...caught])].filter((n) => !isPlatformName(n));
    expect(ours.length).toBeGreaterThan(0);
    for (const name of ours) expect(classes.has(name), `${file} names ${name}`).toBe(true);
  });

  it.each(['provisioning.asl.json', 'teardown.asl.json'])('%s retries only errors that are transient', (file) => {
    for (const name of rules(file).retry.filter((n) => !isPlatformName(n))) {
      expect(classes.get(name), name).toBeInstanceOf(errors.TransientError);
    }
  });

  it('ends provisioning quietly only on SessionEndedError, which is permanent', () => {
    expect(rules('provisioning.asl.json').catch.filter((n) => !isPlatformName(n))).toEqual(Array(4).fill('SessionEndedError'));
    expect(classes.get('SessionEndedError')).toBeInstanceOf(errors.PermanentError);
  });
});
