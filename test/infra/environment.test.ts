// The configuration schema (shared/config.ts) against what is really given to functions: every variable the stack
// sets on a Lambda, and every one the local runtime sets for its handlers, is named there; the stack sets no
// local-only one.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuShopperStack } from '../../infra/stack.ts';
import { LocalEventBus } from '../../local/event-bus.ts';
import { stateMachines } from '../../shared/app-model.ts';
import { LOCAL_ONLY, type Variable, VARIABLES } from '../../shared/config.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const named = new Set<string>(VARIABLES);

let setByStack: Map<string, Set<string>>;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], alarmEmail: 'ops@example.com' } });
  const template = Template.fromStack(new GpuShopperStack(app, 'Test'));
  setByStack = new Map();
  for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
    const props = fn['Properties'] as { Description: string; Environment?: { Variables?: Record<string, unknown> } };
    for (const name of Object.keys(props.Environment?.Variables ?? {})) {
      if (!setByStack.has(name)) setByStack.set(name, new Set());
      setByStack.get(name)!.add(props.Description);
    }
  }
});

/** UPPER_CASE keys of the object literal that starts at `marker` in a source file */
function keysAfter(file: string, marker: string): string[] {
  const source = readFileSync(path.join(ROOT, file), 'utf8');
  const start = source.indexOf(marker);
  expect(start, `${file}: ${marker}`).toBeGreaterThan(0);
  const block = source.slice(start, source.indexOf('\n  });', start));
  return [...block.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
}

describe('the variables functions are given', () => {
  it('by the stack: each is named in the schema, and none is local-only', () => {
    const names = [...setByStack.keys()];
    expect(names).toEqual(expect.arrayContaining(['DEPLOYMENT_ID', 'TABLE_NAME', 'NODE_OPTIONS', 'EVENT_BUS_NAME']));
    expect(names.filter((n) => !named.has(n))).toEqual([]);
    expect(names.filter((n) => LOCAL_ONLY.has(n as Variable))).toEqual([]);
  });

  it('by the local runtime: each is named in the schema', () => {
    const runtime = keysAfter('local/runtime.ts', 'Object.assign(process.env, {');
    expect(runtime).toEqual(expect.arrayContaining(['GPU_SHOPPER_LOCAL', 'DYNAMODB_ENDPOINT', 'SFN_ENDPOINT', 'DATA_DIR']));
    const sims = [...readFileSync(path.join(ROOT, 'local/sim/local-sims.ts'), 'utf8').matchAll(/\b((?:VASTAI|TENSORDOCK)_[A-Z_]+)\b/g)].map(
      (m) => m[1]!,
    );
    const bus = Object.keys(new LocalEventBus({ lambdas: undefined as never }).env());
    const machines = stateMachines.map((m) => m.arnEnv);
    const given = new Set([...runtime, ...sims, ...bus, ...machines, 'AWS_LAMBDA_FUNCTION_NAME']);
    expect([...given].filter((n) => !named.has(n))).toEqual([]);
  });
});
