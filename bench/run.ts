// `npm run bench`: runs each section in its own process against the real local runtime and prints a table per
// section, or with --json one JSON object with every figure (and nothing else) on stdout.
import { fork } from 'node:child_process';
import path from 'node:path';
import { type BenchArgs, parseArgs, UsageError, usage } from './cli.ts';
import { renderSection, type SectionResult, toJson } from './report.ts';
import { sectionByName } from './sections/index.ts';
import type { SectionOptions } from './sections/types.ts';
import { sectionEnvironment } from './support/clean-env.ts';

const CHILD = path.join(import.meta.dirname, 'section-child.ts');

function runSection(name: string, options: SectionOptions): Promise<SectionResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    // execArgv is inherited: the child runs under the same tsx loader as this process
    const child = fork(CHILD, [name, JSON.stringify(options)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: sectionEnvironment(process.env),
    });
    let result: SectionResult | undefined;
    child.on('message', (message) => {
      result = message as SectionResult;
    });
    child.on('exit', (code, signal) => {
      resolve(
        result ?? {
          section: name,
          title: sectionByName(name)?.title ?? name,
          quick: options.quick,
          figures: {},
          goals: [],
          tables: [],
          notes: [],
          duration_s: (performance.now() - started) / 1000,
          error: `section process exited (${signal ?? `code ${code}`}) without a result`,
        },
      );
    });
  });
}

async function main(args: BenchArgs): Promise<number> {
  const results: SectionResult[] = [];
  for (const name of args.sections) {
    const definition = sectionByName(name)!;
    process.stderr.write(`[bench] ${name}: ${definition.title} (${args.quick ? definition.takes.quick : definition.takes.full})\n`);
    const result = await runSection(name, { quick: args.quick, functions: args.functions });
    results.push(result);
    process.stderr.write(`[bench] ${name}: ${result.error ? 'FAILED' : 'done'} in ${result.duration_s.toFixed(1)} s\n`);
    if (!args.json) process.stdout.write(`\n${renderSection(result)}`);
  }
  if (args.json) process.stdout.write(`${JSON.stringify(toJson(results), null, 2)}\n`);
  const missed = results.flatMap((r) => r.goals.filter((g) => g.met === false).map((g) => `${r.section}: ${g.name}`));
  const failed = results.filter((r) => r.error).map((r) => r.section);
  if (missed.length) process.stderr.write(`[bench] goals missed: ${missed.join('; ')}\n`);
  if (failed.length) return 1;
  return args.strict && missed.length ? 1 : 0;
}

try {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${usage()}\n`);
  } else {
    process.exitCode = await main(args);
  }
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`${err.message}\n\n${usage()}\n`);
  process.exitCode = 2;
}
