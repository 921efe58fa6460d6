// Command-line arguments of `npm run bench`.
import { SECTIONS } from './sections/index.ts';

export interface BenchArgs {
  sections: string[];
  json: boolean;
  quick: boolean;
  /** exit 1 when a goal is missed (CI) */
  strict: boolean;
  functions?: string[];
  help: boolean;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { sections: [], json: false, quick: false, strict: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') args.json = true;
    else if (arg === '--quick') args.quick = true;
    else if (arg === '--strict') args.strict = true;
    else if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg === '--functions' || arg.startsWith('--functions=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (!value) throw new UsageError('--functions needs a comma-separated list of function ids');
      args.functions = value.split(',').filter(Boolean);
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else if (!SECTIONS.some((s) => s.name === arg)) {
      throw new UsageError(`unknown section "${arg}" (sections: ${SECTIONS.map((s) => s.name).join(', ')})`);
    } else if (!args.sections.includes(arg)) args.sections.push(arg);
  }
  if (args.sections.length === 0) args.sections = SECTIONS.map((s) => s.name);
  // run in the canonical order, whatever order they were named in
  args.sections.sort((a, b) => SECTIONS.findIndex((s) => s.name === a) - SECTIONS.findIndex((s) => s.name === b));
  return args;
}

export function usage(): string {
  const lines = SECTIONS.map((s) => `  ${s.name.padEnd(13)} ${s.title}  [${s.takes.full}; --quick ${s.takes.quick}]`);
  return [
    'usage: npm run bench -- [section …] [--quick] [--json] [--strict] [--functions Id,Id]',
    '',
    'sections (all when none is named):',
    ...lines,
    '',
    '  --quick      shorter runs (fewer samples and sessions)',
    '  --json       one JSON object with every figure on stdout; progress on stderr',
    '               (`npm run -s bench -- --json`: -s keeps npm\'s own "> bench" banner off stdout)',
    '  --strict     exit 1 when a goal is missed (for CI, e.g. `npm run bench -- bundle --strict`)',
    '  --functions  bundle: only these app-model functions',
  ].join('\n');
}
