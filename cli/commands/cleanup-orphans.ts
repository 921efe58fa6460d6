// gpu-shopper cleanup-orphans: this deployment's instances that no active session owns, listed (a dry run) or, with
// --execute, destroyed and confirmed. It is the operator command `npm run ops -- cleanup-orphans` (the reconciler's
// own rules, on the broker's storage and the providers directly; not an API route), run as it is, so the two cannot
// differ. --server and --api-key do not apply; it finds a local runtime through its DATA_DIR, a deployment through
// TABLE_NAME, DEPLOYMENT_ID and the provider settings (see `npm run ops -- cleanup-orphans --help`).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CliError } from '../api-client.ts';
import { type ContextOf, numberIn } from '../context.ts';
import { oneLine } from '../output.ts';

const OPS = fileURLToPath(new URL('../../bin/ops.ts', import.meta.url));
const TSX = createRequire(import.meta.url).resolve('tsx/cli');

interface CleanupOptions {
  execute?: boolean;
  minAgeSeconds?: number;
  dataDir?: string;
}

export function register(program: Command, contextOf: ContextOf): void {
  program
    .command('cleanup-orphans')
    .description(
      "list this deployment's instances that no active session owns; destroy them with --execute " +
        '(runs `npm run ops -- cleanup-orphans`: storage and providers directly, not the API)',
    )
    .option('--execute', 'destroy them and confirm each is gone (default: a dry run that only lists)')
    .option('--min-age-seconds <seconds>', 'with --execute, keep younger instances (default ORPHAN_GRACE_SECONDS, else 600)', numberIn(0, 1e9))
    .option('--data-dir <dir>', "a running local runtime's DATA_DIR (default $DATA_DIR, else ./.data)")
    .action(async (opts: CleanupOptions, cmd: Command) => {
      const { out, io } = contextOf(cmd);
      const args = [
        TSX,
        OPS,
        'cleanup-orphans',
        ...(opts.execute ? ['--execute'] : []),
        ...(opts.minAgeSeconds === undefined ? [] : ['--min-age-seconds', String(opts.minAgeSeconds)]),
        ...(opts.dataDir === undefined ? [] : ['--data-dir', opts.dataDir]),
        ...(out.json ? ['--json'] : []),
      ];
      const child = spawn(process.execPath, args, { env: io.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => io.stdout.write(d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', resolve);
      });
      if (code === 0) return;
      const lines = stderr.trim().split('\n').filter(Boolean);
      // the command could not run (usage, configuration, storage): its own `ops: <reason>` line
      const failure = lines.findLast((l) => l.startsWith('ops:'));
      if (failure || code !== 1) {
        throw new CliError('cleanup_failed', oneLine(failure?.replace(/^ops:\s*/, '') ?? `the operator command ended with code ${code}`));
      }
      // it ran, but a provider listing failed or a destroy was not confirmed: its report, then our one line
      for (const line of lines) out.note(line);
      throw new CliError(
        'cleanup_incomplete',
        'a provider listing failed or an orphan was not confirmed destroyed (see above); the next run tries again',
      );
    });
}
