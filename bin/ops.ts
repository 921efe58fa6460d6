// `npm run ops -- <command>`: operator commands that talk to the broker's own storage (and, for cleanup-orphans, the
// configured providers) directly, with the same configuration as the functions. Against a running local runtime
// (`npm start`) they need nothing but its DATA_DIR: the runtime leaves DATA_DIR/runtime.json while it runs. Against a
// deployment, set what the functions have (TABLE_NAME — the stack's TableName output —, DEPLOYMENT_ID,
// PROVIDER_SECRET_ARN or VASTAI_API_KEY / TENSORDOCK_API_TOKEN) and AWS credentials and region.
// The first admin key of a stack can only be minted here: the key routes themselves need an admin key.
//
//   npm run ops -- cleanup-orphans [--execute] [--min-age-seconds N] [--json]
//   npm run ops -- keys create --admin | --consumer <id> [--label text]
//   npm run ops -- keys list [--consumer <id>]
//   npm run ops -- keys revoke <key id>
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { isRunning, type RuntimeFile, readRuntimeFile, runtimeFilePath } from '../local/runtime-file.ts';
import { DynamoApiKeyStore } from '../shared/adapters/dynamodb/api-key-store.ts';
import { createDocumentClient } from '../shared/composition/dynamodb.ts';
import { createKeyBody } from '../shared/http/schemas/keys.ts';
import { validate } from '../shared/http/validate.ts';
import { createApiKey, type KeyDeps, listApiKeys, revokeApiKey } from '../shared/use-cases/keys/manage-keys.ts';
import type { CleanupResult, OrphanRow } from '../shared/use-cases/reconcile/cleanup-orphans.ts';

class UsageError extends Error {}

/** The local runtime running with this DATA_DIR, from the DATA_DIR/runtime.json it leaves while it runs. */
function runningLocalRuntime(dataDir: string): RuntimeFile {
  const file = runtimeFilePath(dataDir);
  const info = readRuntimeFile(dataDir);
  if (!info) {
    throw new UsageError(
      existsSync(path.join(dataDir, 'deployment-id'))
        ? `${file} is missing: the local runtime of ${dataDir} is not running (start it with \`npm start\`)`
        : `${file} is missing: no local runtime has run in ${dataDir}; give --data-dir, or set TABLE_NAME, DEPLOYMENT_ID and the provider settings of a deployment`,
    );
  }
  if (!isRunning(info)) {
    throw new UsageError(`${file} was left by process ${info.pid}, which is no longer running: start the local runtime with \`npm start\``);
  }
  return info;
}

/** Fills in what the environment leaves unset from a running local runtime's DATA_DIR/runtime.json. */
function pointAtLocalRuntime(dataDir: string): void {
  if (process.env['TABLE_NAME']?.trim()) return; // explicitly configured: a deployment, or a hand-picked table
  const info = runningLocalRuntime(dataDir);
  const fill = (name: string, value: string) => {
    if (!process.env[name]?.trim()) process.env[name] = value;
  };
  fill('TABLE_NAME', info.table_name);
  fill('DYNAMODB_ENDPOINT', info.dynamodb_endpoint);
  fill('DEPLOYMENT_ID', info.deployment_id);
  fill('AWS_REGION', 'local');
  fill('GPU_SHOPPER_LOCAL', '1');
  for (const [name, value] of Object.entries(info.sim_env)) fill(name, value);
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('a number of seconds ≥ 0');
  return n;
}

function age(s: number | undefined): string {
  if (s === undefined) return '?';
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function table(rows: OrphanRow[]): string {
  const cells = [
    ['PROVIDER', 'INSTANCE', 'AGE', '$/H', 'STATUS', 'REASON', 'ACTION', 'LABEL'],
    ...rows.map((r) => [
      r.provider,
      r.instance_id,
      age(r.age_seconds),
      r.price_per_hour === undefined ? '?' : r.price_per_hour.toFixed(4),
      r.provider_status,
      r.reason,
      r.error ? `${r.action}: ${r.error}` : r.action,
      r.label,
    ]),
  ];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

function print(result: CleanupResult): void {
  const n = result.orphans.length;
  const perHour = result.orphans.reduce((sum, r) => sum + (r.price_per_hour ?? 0), 0);
  process.stdout.write(
    `deployment ${result.deployment_id}: ${n} instance${n === 1 ? '' : 's'} no active session owns` +
      (n > 0 ? ` (about $${perHour.toFixed(4)}/h)` : '') +
      (result.executed
        ? `; destroying those at least ${age(result.min_age_seconds)} old\n`
        : '; dry run, nothing destroyed (add --execute)\n'),
  );
  if (n > 0) process.stdout.write(`${table(result.orphans)}\n`);
  for (const f of result.listing_failures) {
    process.stderr.write(`${f.provider}: listing failed, nothing decided for it: ${f.error}\n`);
  }
}

const program = new Command('ops').description('GPU Shopper operator commands').showHelpAfterError();

program
  .command('cleanup-orphans')
  .description(
    "List this deployment's instances that no active session owns (provider, label, age, price); destroy them with --execute. Other deployments' instances are never listed or touched.",
  )
  .option('--execute', 'destroy them and confirm each is gone (default: only list)', false)
  .option(
    '--min-age-seconds <seconds>',
    'with --execute, keep instances younger than this (default ORPHAN_GRACE_SECONDS, else 600)',
    seconds,
  )
  .option('--data-dir <dir>', "a local runtime's DATA_DIR (default $DATA_DIR, else ./.data)")
  .option('--json', 'print one JSON object')
  .action(async (opts: { execute: boolean; minAgeSeconds?: number; dataDir?: string; json?: boolean }) => {
    pointAtLocalRuntime(path.resolve(opts.dataDir ?? process.env['DATA_DIR'] ?? './.data'));
    // the operator reads this command's own output; function logs only when something is wrong
    process.env['POWERTOOLS_LOG_LEVEL'] ??= 'ERROR';
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    // configuration is read when these load, so they load only now
    const { reconcileDeps, reconcileSettingsFromEnv } = await import('../shared/composition/reconcile.ts');
    const { cleanupOrphans } = await import('../shared/use-cases/reconcile/cleanup-orphans.ts');
    const minAgeMs = opts.minAgeSeconds !== undefined ? opts.minAgeSeconds * 1000 : reconcileSettingsFromEnv().orphanGraceMs;
    const result = await cleanupOrphans(await reconcileDeps(), { execute: opts.execute, minAgeMs });
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else print(result);
    const troubled =
      result.listing_failures.length > 0 ||
      result.orphans.some((r) => r.action === 'unreachable' || r.action === 'not_confirmed');
    process.exitCode = troubled ? 1 : 0;
  });

interface TargetOptions {
  table?: string;
  endpoint?: string;
  dataDir?: string;
}

function target(opts: TargetOptions): { tableName: string; endpoint?: string; where: string } {
  const table = opts.table ?? process.env['TABLE_NAME'];
  const endpoint = opts.endpoint ?? process.env['DYNAMODB_ENDPOINT'];
  if (table) return { tableName: table, endpoint, where: endpoint ? `${table} at ${endpoint}` : `${table} (AWS)` };
  const running = runningLocalRuntime(path.resolve(opts.dataDir ?? process.env['DATA_DIR'] ?? './.data'));
  return { tableName: running.table_name, endpoint: running.dynamodb_endpoint, where: `local runtime, table ${running.table_name}` };
}

function deps(opts: TargetOptions): KeyDeps & { where: string } {
  const t = target(opts);
  return { keys: new DynamoApiKeyStore(createDocumentClient(t.endpoint), t.tableName), clock: () => new Date(), where: t.where };
}

const withTarget = (cmd: Command) =>
  cmd
    .option('--table <name>', 'table name (deployed: the TableName stack output; env TABLE_NAME)')
    .option('--endpoint <url>', 'DynamoDB endpoint (env DYNAMODB_ENDPOINT); default: AWS')
    .option('--data-dir <dir>', 'local runtime data directory (env DATA_DIR, default ./.data)');

const keys = program.command('keys').description('API keys (stored as SHA-256 hashes; a key is shown once)');

withTarget(keys.command('create'))
  .description('mint a key: for one consumer, or an admin key; prints the key on stdout, once')
  .option('--admin', 'an admin key (manages keys and budgets, sees every consumer)')
  .option('--consumer <id>', 'the consumer the key acts for')
  .option('--label <text>', 'a note to tell keys apart')
  .action(async (opts: TargetOptions & { admin?: boolean; consumer?: string; label?: string }) => {
    const request = validate(createKeyBody, { admin: opts.admin, consumer_id: opts.consumer, label: opts.label }, 'body');
    const d = deps(opts);
    const { key, api_key } = await createApiKey(d, request);
    process.stderr.write(`created ${key.admin ? 'admin key' : `key for ${key.consumer_id}`} ${key.prefix} in ${d.where}\n`);
    process.stderr.write('it is shown only now; send it as "Authorization: Bearer <key>"\n');
    process.stdout.write(`${api_key}\n`);
  });

withTarget(keys.command('list'))
  .description('list keys (prefix, consumer, admin, created, revoked); never their secrets')
  .option('--consumer <id>', 'only this consumer’s keys')
  .action(async (opts: TargetOptions & { consumer?: string }) => {
    const list = await listApiKeys(deps(opts), { consumer_id: opts.consumer });
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
  });

withTarget(keys.command('revoke'))
  .description('revoke a key by id (it stops working within the authorizer cache TTL)')
  .argument('<id>', 'key id (the 12 hex digits after gsk_)')
  .action(async (id: string, opts: TargetOptions) => {
    const revoked = await revokeApiKey(deps(opts), id.replace(/^gsk_/, ''));
    process.stderr.write(`revoked ${revoked.prefix} at ${revoked.revoked_at}\n`);
  });

try {
  await program.parseAsync();
} catch (err) {
  process.stderr.write(`ops: ${(err as Error).message}\n`);
  // 2: the command could not run as given (configuration, arguments); 1: it ran and failed
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
