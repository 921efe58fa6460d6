// The `gpu-shopper` command line: the operator's and the consumer's view of a broker, over its HTTP API.
// `runCli` takes its streams and environment as arguments (tests inject them) and returns the exit code; every
// failure becomes one line, `error: <error_type>: <message>`, and exit code 1, never a stack trace.
import { Command, CommanderError, Option } from 'commander';
import { ApiError, CliError } from './api-client.ts';
import * as cleanupOrphans from './commands/cleanup-orphans.ts';
import * as costs from './commands/costs.ts';
import * as inventory from './commands/inventory.ts';
import * as keys from './commands/keys.ts';
import * as offerHealth from './commands/offer-health.ts';
import * as provision from './commands/provision.ts';
import * as sessions from './commands/sessions.ts';
import * as settings from './commands/settings.ts';
import * as benchmarks from './commands/benchmarks.ts';
import * as watches from './commands/watches.ts';
import * as webhooks from './commands/webhooks.ts';
import { contextFactory, DEFAULT_SERVER, VERSION } from './context.ts';
import { type CliIo, FORMATS, oneLine } from './output.ts';

function buildProgram(io: CliIo): Command {
  const program = new Command('gpu-shopper')
    .description('Rent SSH-verified GPUs from Vast.ai and TensorDock through a GPU Shopper broker')
    .version(VERSION, '-V, --version')
    .option('--server <url>', `broker URL (env GPU_SHOPPER_URL; default ${DEFAULT_SERVER})`)
    .option('--api-key <key>', 'API key, sent as a bearer token (env GPU_SHOPPER_API_KEY)')
    .addOption(new Option('-o, --output <format>', 'table for people, json for scripts').choices(FORMATS).default('table'))
    .showHelpAfterError(false)
    .configureHelp({ showGlobalOptions: true })
    // set before the commands are added: subcommands inherit both
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // errors are printed once, in our format, by runCli
      outputError: () => {},
    });
  const contextOf = contextFactory(io);
  for (const module of [inventory, provision, sessions, settings, watches, webhooks, benchmarks, costs, offerHealth, keys, cleanupOrphans]) {
    module.register(program, contextOf);
  }
  return program;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.version')) {
      return 0;
    }
    io.stderr.write(`${errorLine(err)}\n`);
    return 1;
  }
}

function errorLine(err: unknown): string {
  if (err instanceof ApiError) {
    return `error: ${err.errorType}: ${oneLine(err.message)}${err.requestId ? ` (request id ${err.requestId})` : ''}`;
  }
  if (err instanceof CliError) return `error: ${err.errorType}: ${oneLine(err.message)}`;
  if (err instanceof CommanderError) {
    // no command given: the help went to stderr
    if (err.code === 'commander.help') return 'error: invalid_usage: a command is required (see --help)';
    const type = err.code === 'commander.invalidArgument' || err.code === 'commander.optionMissingArgument' ? 'invalid_argument' : 'invalid_usage';
    return `error: ${type}: ${oneLine(err.message.replace(/^error:\s*/, ''))}`;
  }
  return `error: internal_error: ${oneLine(err instanceof Error ? err.message : String(err))}`;
}

/** The real process: its streams, its environment, its exit code. */
export async function main(argv: string[]): Promise<number> {
  return runCli(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env });
}
