// gpu-shopper keys create|list|revoke (admin): API keys, each for one consumer or an admin key. The secret is shown
// once, on create. (The first admin key of a stack is minted with `npm run ops -- keys create --admin`.)
import type { Command } from 'commander';
import { type ContextOf, segment } from '../context.ts';
import { type Output, time } from '../output.ts';

/** A key as the API shows it (never its secret). Older answers named the id `id`. */
export interface ApiKeyView {
  key_id?: string;
  id?: string;
  consumer_id?: string;
  admin: boolean;
  prefix: string;
  label?: string;
  created_at: string;
  revoked_at?: string;
}

const idOf = (k: ApiKeyView) => k.key_id ?? k.id ?? '';

/** Revoke answers the key itself, or `{key}`. */
const unwrap = (answer: ApiKeyView | { key: ApiKeyView }): ApiKeyView => ('key' in answer ? answer.key : answer);

export function register(program: Command, contextOf: ContextOf): void {
  const keys = program.command('keys').description('API keys (needs an admin key)');

  keys
    .command('create')
    .description("a new API key: a consumer's (--consumer) or an admin key (--admin); its secret is printed once")
    .option('-c, --consumer <id>', 'the consumer the key acts for')
    .option('--admin', 'may act for every consumer and manage keys and budgets')
    .option('--label <text>', 'a note to tell keys apart')
    .action(async (opts: { consumer?: string; admin?: boolean; label?: string }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.post<{ key: ApiKeyView; api_key: string }>('/api/v1/keys', {
        ...(opts.consumer === undefined ? {} : { consumer_id: opts.consumer }),
        ...(opts.admin ? { admin: true } : {}),
        ...(opts.label === undefined ? {} : { label: opts.label }),
      });
      if (out.json) return out.data(answer);
      printKeys(out, [answer.key]);
      out.line();
      out.line(`api key (shown once; keep it secret): ${answer.api_key}`);
    });

  keys
    .command('list')
    .description('keys and whether they are revoked (never their secrets)')
    .option('-c, --consumer <id>', 'only this consumer')
    .option('--active', 'leave out revoked keys')
    .action(async (opts: { consumer?: string; active?: boolean }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<{ keys: ApiKeyView[] }>('/api/v1/keys', {
        consumer_id: opts.consumer,
        include_revoked: opts.active ? 'false' : undefined,
      });
      if (out.json) return out.data(answer);
      printKeys(out, answer.keys);
    });

  keys
    .command('revoke <id>')
    .description('revoke a key by id: it is refused from then on')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.delete<ApiKeyView | { key: ApiKeyView }>(`/api/v1/keys/${segment(id)}`);
      if (out.json) return out.data(answer);
      const key = unwrap(answer);
      out.line(`key ${idOf(key)} (${key.prefix}…, ${key.admin ? 'admin' : key.consumer_id}) revoked at ${time(key.revoked_at)}`);
    });
}

function printKeys(out: Output, keys: ApiKeyView[]): void {
  out.table(
    [{ header: 'KEY' }, { header: 'PREFIX' }, { header: 'CONSUMER' }, { header: 'ADMIN' }, { header: 'LABEL' }, { header: 'CREATED' }, { header: 'REVOKED' }],
    keys.map((k) => [idOf(k), `${k.prefix}…`, k.consumer_id ?? '', k.admin ? 'yes' : 'no', k.label ?? '', time(k.created_at), time(k.revoked_at)]),
  );
}
