// `npm run ops -- …`: operator commands that work on the table directly, for the deployed stack (AWS credentials,
// `--table` = the stack's TableName output) or a running local runtime (found through DATA_DIR/runtime.json).
// The first admin key of a stack can only be minted this way: the key routes themselves need an admin key.
//
//   npm run ops -- keys create --admin [--label text]
//   npm run ops -- keys create --consumer <consumer id> [--label text]
//   npm run ops -- keys list [--consumer <consumer id>]
//   npm run ops -- keys revoke <key id>
import { Command } from 'commander';
import { readRuntimeInfo } from '../local/runtime-file.ts';
import { DynamoApiKeyStore } from '../shared/adapters/dynamodb/api-key-store.ts';
import { createDocumentClient } from '../shared/adapters/dynamodb/client.ts';
import { isAppError } from '../shared/domain/errors.ts';
import { createKeyBody } from '../shared/http/schemas/keys.ts';
import { validate } from '../shared/http/validate.ts';
import { createApiKey, type KeyDeps, listApiKeys, revokeApiKey } from '../shared/use-cases/keys/manage-keys.ts';

interface TargetOptions {
  table?: string;
  endpoint?: string;
  dataDir?: string;
}

function target(opts: TargetOptions): { tableName: string; endpoint?: string; where: string } {
  const table = opts.table ?? process.env['TABLE_NAME'];
  const endpoint = opts.endpoint ?? process.env['DYNAMODB_ENDPOINT'];
  if (table) return { tableName: table, endpoint, where: endpoint ? `${table} at ${endpoint}` : `${table} (AWS)` };
  const running = readRuntimeInfo(opts.dataDir ?? process.env['DATA_DIR'] ?? './.data');
  if ('missing' in running) throw new Error(`no --table given and no local runtime: ${running.missing}`);
  return { tableName: running.tableName, endpoint: running.dynamoDbEndpoint, where: `local runtime, table ${running.tableName}` };
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

const program = new Command('ops').description('GPU Shopper operator commands');
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

program.parseAsync().catch((err: unknown) => {
  const message = isAppError(err) || err instanceof Error ? err.message : String(err);
  process.stderr.write(`ops: ${message}\n`);
  process.exit(1);
});
