// gpu-shopper keys create|list|revoke (admin): API keys, each belonging to one consumer. The secret is shown once.
import type { Command } from 'commander';
import { type ContextOf, segment } from '../context.ts';
import { type Output, time } from '../output.ts';

export interface ApiKeyView {
  id: string;
  consumer_id: string;
  admin: boolean;
  prefix: string;
  created_at: string;
  revoked_at?: string;
}

export function register(program: Command, contextOf: ContextOf): void {
  const keys = program.command('keys').description('API keys (needs an admin key)');

  keys
    .command('create')
    .description('a new API key for a consumer; its secret is printed once')
    .requiredOption('-c, --consumer <id>', 'the consumer the key acts for')
    .option('--admin', 'may act for every consumer and manage keys')
    .action(async (opts: { consumer: string; admin?: boolean }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.post<{ key: ApiKeyView; api_key: string }>('/api/v1/keys', {
        consumer_id: opts.consumer,
        admin: opts.admin === true,
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
    .action(async (opts: { consumer?: string }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<{ keys: ApiKeyView[] }>('/api/v1/keys', { consumer_id: opts.consumer });
      if (out.json) return out.data(answer);
      printKeys(out, answer.keys);
    });

  keys
    .command('revoke <id>')
    .description('revoke a key: it is refused from now on')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.delete<{ key: ApiKeyView }>(`/api/v1/keys/${segment(id)}`);
      if (out.json) return out.data(answer);
      out.line(`key ${answer.key.id} (${answer.key.prefix}…, ${answer.key.consumer_id}) revoked at ${answer.key.revoked_at ?? 'now'}`);
    });
}

function printKeys(out: Output, keys: ApiKeyView[]): void {
  out.table(
    [{ header: 'KEY' }, { header: 'PREFIX' }, { header: 'CONSUMER' }, { header: 'ADMIN' }, { header: 'CREATED' }, { header: 'REVOKED' }],
    keys.map((k) => [k.id, `${k.prefix}…`, k.consumer_id, k.admin ? 'yes' : 'no', time(k.created_at), time(k.revoked_at)]),
  );
}
