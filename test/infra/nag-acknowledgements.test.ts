// Every cdk-nag acknowledgement answers a finding that exists: built once with acknowledgements recorded instead of
// applied, the report must name each acknowledged rule on the acknowledged construct (or one inside it).
import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { GpuShopperStack } from '../../infra/stack.ts';

const of = Validations.of;
afterAll(() => {
  (Validations as { of: typeof of }).of = of;
});

function unmatched(context: Record<string, unknown>): string[] {
  const acks: { path: string; rule: string }[] = [];
  (Validations as { of: unknown }).of = (scope: Parameters<typeof of>[0]) => ({
    acknowledge: (...rules: { id: string }[]) => {
      for (const r of rules) acks.push({ path: scope.node.path, rule: r.id.replace(/^AwsSolutions::/, '') });
    },
    addPlugins: (...plugins: Parameters<ReturnType<typeof of>['addPlugins']>) => of(scope).addPlugins(...plugins),
  });
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], alarmEmail: 'ops@example.com', ...context } });
  new GpuShopperStack(app, 'Nagged');
  (Validations as { of: typeof of }).of = of;
  of(app).addPlugins(new AwsSolutionsChecks(app));
  let message = '';
  try {
    app.synth();
  } catch (err) {
    message = String((err as Error).message);
  }
  const reportFile = /A copy of this report can be found in: (\S+)/.exec(message)?.[1];
  expect(reportFile, 'without acknowledgements there are findings').toBeDefined();
  const report = JSON.parse(readFileSync(reportFile!, 'utf8')) as {
    pluginReports: { violations: { ruleName: string; violatingConstructs?: { constructPath?: string }[] }[] }[];
  };
  const findings = report.pluginReports.flatMap((p) =>
    p.violations.flatMap((v) => (v.violatingConstructs ?? []).map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' }))),
  );
  expect(acks.length).toBeGreaterThan(50);
  return acks
    .filter((a) => !findings.some((f) => f.rule === a.rule && (f.path === a.path || f.path.startsWith(`${a.path}/`))))
    .map((a) => `${a.path} ${a.rule}`);
}

describe('cdk-nag acknowledgements', () => {
  it.each([
    ['the default stack', {}],
    ['a public API (authMode none)', { authMode: 'none', allowPublicApi: 'true' }],
  ])('in %s, each matches a finding', (_name, context) => {
    expect(unmatched(context)).toEqual([]);
  }, 120_000);
});
