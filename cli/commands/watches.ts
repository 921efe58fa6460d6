// gpu-shopper watches create|list|cancel: wait for an offer at or under a price; on the first match the broker
// notifies (events, webhooks) or, with --create, creates the session with your own public key.
import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { PROVIDERS } from '../../shared/domain/offer.ts';
import { WORKLOAD_TYPES } from '../../shared/domain/session.ts';
import { CliError } from '../api-client.ts';
import { type ContextOf, intIn, numberIn, segment } from '../context.ts';
import { type Output, time } from '../output.ts';

interface WatchView {
  id: string;
  consumer_id: string;
  filters: Record<string, unknown>;
  max_price: number;
  action: string;
  status: string;
  expires_at: string;
  matched?: { offer_id: string; price_per_hour: number };
  session_id?: string;
  last_error?: { error_type: string };
}

interface CreateOptions {
  consumer?: string;
  gpu?: string;
  provider?: string;
  minVram?: number;
  location?: string;
  disk?: number;
  maxPrice: number;
  hours?: number;
  create?: boolean;
  publicKey?: string;
  reservationHours: number;
  workload: string;
}

export function register(program: Command, contextOf: ContextOf): void {
  const watches = program.command('watches').description('price and availability watches');

  watches
    .command('create')
    .description('watch for an offer at or under --max-price (all in for its disk)')
    .requiredOption('--max-price <usd>', 'USD per hour, at most', numberIn(0.0001, 100_000))
    .option('-g, --gpu <type>', 'GPU type (any spelling)')
    .addOption(new Option('-p, --provider <name>', 'only this provider').choices(PROVIDERS))
    .option('--min-vram <gb>', 'GB per GPU, at least', numberIn(0, 10_000))
    .option('--location <text>', 'part of the location')
    .option('--disk <gb>', 'disk the price is all in for', intIn(8, 4096))
    .option('--hours <n>', 'how long the watch lasts (default 24)', intIn(1, 168))
    .option('--create', 'create the session on the first match (needs --public-key)')
    .option('--public-key <file>', 'your OpenSSH public key: the created session installs it')
    .option('--reservation-hours <n>', 'reserved hours of the created session', intIn(1, 12), 1)
    .addOption(new Option('-w, --workload <type>', 'workload type of the created session').choices(WORKLOAD_TYPES).default('llm'))
    .option('-c, --consumer <id>', 'the consumer (default: the API key’s)')
    .action(async (opts: CreateOptions, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      if (opts.create && !opts.publicKey) throw new CliError('usage', '--create needs --public-key <file>: the session is made while you are away');
      const filters = {
        ...(opts.gpu ? { gpu_type: opts.gpu } : {}),
        ...(opts.provider ? { provider: opts.provider } : {}),
        ...(opts.minVram !== undefined ? { min_vram: opts.minVram } : {}),
        ...(opts.location ? { location: opts.location } : {}),
        ...(opts.disk !== undefined ? { disk_gb: opts.disk } : {}),
      };
      const answer = await api.post<WatchView>('/api/v1/watches', {
        ...(opts.consumer ? { consumer_id: opts.consumer } : {}),
        filters,
        max_price: opts.maxPrice,
        action: opts.create ? 'create' : 'notify',
        ...(opts.hours ? { expires_in_hours: opts.hours } : {}),
        ...(opts.create
          ? {
              session: {
                workload_type: opts.workload,
                reservation_hours: opts.reservationHours,
                ssh_public_key: readFileSync(opts.publicKey!, 'utf8').trim(),
              },
            }
          : {}),
      });
      if (out.json) return out.data(answer);
      printWatches(out, [answer]);
    });

  watches
    .command('list')
    .description('your watches, newest first')
    .option('-c, --consumer <id>', 'only this consumer (admin)')
    .action(async (opts: { consumer?: string }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<{ watches: WatchView[] }>('/api/v1/watches', { consumer_id: opts.consumer });
      if (out.json) return out.data(answer);
      if (answer.watches.length === 0) return out.line('no watches');
      printWatches(out, answer.watches);
    });

  watches
    .command('cancel <id>')
    .description('cancel an active watch')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.delete<WatchView>(`/api/v1/watches/${segment(id)}`);
      if (out.json) return out.data(answer);
      printWatches(out, [answer]);
    });
}

function printWatches(out: Output, watches: WatchView[]): void {
  out.table(
    [{ header: 'ID' }, { header: 'STATUS' }, { header: 'ACTION' }, { header: 'FILTERS' }, { header: 'MAX $/H', align: 'right' }, { header: 'EXPIRES' }, { header: 'MATCH' }],
    watches.map((w) => [
      w.id,
      w.status,
      w.action,
      Object.entries(w.filters).map(([k, v]) => `${k}=${String(v)}`).join(' ') || 'any',
      String(w.max_price),
      time(w.expires_at),
      w.matched
        ? `${w.matched.offer_id} $${w.matched.price_per_hour}${w.session_id ? ` → session ${w.session_id}` : ''}`
        : (w.last_error?.error_type ?? ''),
    ]),
  );
}
