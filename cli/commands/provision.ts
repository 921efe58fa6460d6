// gpu-shopper provision: rent an offer (given, or the cheapest one matching --gpu and the filters), keep the one-time
// private key in a file only the user can read, and optionally follow provisioning to a ready-to-paste ssh command.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import type { SessionView } from '../../shared/http/session-view.ts';
import { WORKLOAD_TYPES } from '../../shared/domain/session.ts';
import { CliError } from '../api-client.ts';
import { type Context, type ContextOf, intIn } from '../context.ts';
import { usd } from '../output.ts';
import { waitForSession } from '../wait.ts';
import { addFilterOptions, filterQuery, type InventoryAnswer, type OfferFilters, type OfferView } from './inventory.ts';

interface ProvisionOptions extends OfferFilters {
  offer?: string;
  consumer: string;
  hours: number;
  workload: string;
  autoRetry: boolean;
  maxRetries?: number;
  sshTimeout?: number;
  idleStop?: number;
  saveKey?: string;
  printKey?: boolean;
  wait?: boolean;
  waitTimeout: number;
  pollInterval: number;
}

export function register(program: Command, contextOf: ContextOf): void {
  const cmd = program
    .command('provision')
    .description('rent a GPU: --offer <id>, or --gpu <type> for the cheapest matching offer')
    .option('-i, --offer <id>', 'the offer to rent (see `inventory`)');
  addFilterOptions(cmd)
    .requiredOption('-c, --consumer <id>', 'who the session is for')
    .option('-t, --hours <n>', 'reservation in hours', intIn(1, 12), 2)
    .addOption(new Option('-w, --workload <type>', 'workload type').choices(WORKLOAD_TYPES).default('llm'))
    .option('--no-auto-retry', 'fail instead of moving to a comparable offer when the instance never works')
    .option('--max-retries <n>', 'comparable offers to try after the first', intIn(0, 5))
    .option('--ssh-timeout <minutes>', 'how long SSH may take to answer', intIn(1, 30))
    .option('--idle-stop <minutes>', 'end the session after this long with unused GPUs and nobody logged in', intIn(10, 720))
    .option('--save-key <path>', 'where to write the private key (mode 0600); default ./gpu-shopper-<session id>.key')
    .addOption(new Option('--print-key', 'print the private key instead of writing a file').conflicts('saveKey'))
    .option('--wait', 'follow provisioning until the instance answers SSH (or fails)')
    .option('--wait-timeout <seconds>', 'give up waiting after this long', intIn(1, 86_400), 1800)
    .option('--poll-interval <ms>', 'how often --wait asks the server', intIn(100, 60_000), 1000)
    .action(async (opts: ProvisionOptions, command: Command) => {
      const ctx = contextOf(command);
      if (opts.offer && opts.gpu) throw new CliError('invalid_usage', 'give either --offer or --gpu, not both');
      if (opts.offer && Object.values(filterQuery(opts)).some((v) => v !== undefined)) {
        throw new CliError('invalid_usage', 'the offer filters choose among --gpu matches; --offer names the offer itself');
      }
      if (!opts.offer && !opts.gpu) throw new CliError('invalid_usage', 'give --offer <id>, or --gpu <type> to rent the cheapest match');
      // before anything is rented: a key that cannot be written would be lost for good
      if (opts.saveKey && existsSync(opts.saveKey)) {
        throw new CliError('invalid_argument', `${opts.saveKey} already exists; the key is written to a new file only`);
      }
      const started = Date.now();
      const offerId = opts.offer ?? (await cheapestOffer(ctx, opts)).id;
      const created = await ctx.api.post<{ session: SessionView; ssh_private_key: string }>('/api/v1/sessions', {
        consumer_id: opts.consumer,
        offer_id: offerId,
        workload_type: opts.workload,
        reservation_hours: opts.hours,
        auto_retry: opts.autoRetry,
        ...(opts.maxRetries === undefined ? {} : { max_retries: opts.maxRetries }),
        ...(opts.sshTimeout === undefined ? {} : { ssh_timeout_minutes: opts.sshTimeout }),
        ...(opts.idleStop === undefined ? {} : { idle_stop_minutes: opts.idleStop }),
      });
      const { session } = created;
      const keyFile = opts.printKey ? undefined : saveKey(ctx, opts.saveKey ?? `gpu-shopper-${session.id}.key`, created.ssh_private_key);
      if (!keyFile && !ctx.out.json) {
        ctx.out.line('-----BEGIN SESSION KEY (shown once)-----');
        ctx.out.line(created.ssh_private_key.trimEnd());
        ctx.out.line('-----END SESSION KEY-----');
      }
      const keyFields = keyFile ? { ssh_private_key_file: keyFile } : { ssh_private_key: created.ssh_private_key };

      if (!opts.wait) {
        if (ctx.out.json) return ctx.out.data({ session, ...keyFields });
        ctx.out.line(`session ${session.id} created (${session.status}): ${session.gpu_type} on ${session.provider}, ${usd(session.price_per_hour)}/h`);
        if (keyFile) ctx.out.line(`private key saved to ${keyFile} (mode 0600)`);
        ctx.out.note(`follow it with: gpu-shopper sessions wait ${session.id}${keyFile ? ` --key ${shellQuote(keyFile)}` : ''}`);
        return;
      }

      ctx.out.note(`session ${session.id} created; waiting for SSH (Ctrl-C stops waiting, not the session)`);
      const ready = await waitForSession(ctx, session.id, 'running', {
        timeoutSeconds: opts.waitTimeout,
        pollMs: opts.pollInterval,
        startedAt: started,
      });
      printReady(ctx, ready, keyFile, keyFields);
    });
}

/** The cheapest offer matching the filters; among equal prices the one most likely to work. */
async function cheapestOffer(ctx: Context, opts: ProvisionOptions): Promise<OfferView> {
  const answer = await ctx.api.get<InventoryAnswer>('/api/v1/inventory', {
    ...filterQuery(opts),
    sort: 'price',
    limit: 200,
  });
  // the order is checked here rather than trusted: an older server sorted by confidence (the reference CLI's bug)
  const pool = answer.offers.filter((o) => o.availability !== 'stale');
  const candidates = pool.length > 0 ? pool : answer.offers;
  const best = [...candidates].sort((a, b) => a.price_per_hour - b.price_per_hour || b.confidence - a.confidence)[0];
  if (!best) {
    throw new CliError('no_matching_offer', `no offer in inventory matches --gpu "${opts.gpu}" and the filters given`);
  }
  ctx.out.note(
    `cheapest of ${answer.total} matching offers: ${best.id} (${best.gpu_type} ×${best.gpu_count}, ${usd(best.price_per_hour)}/h, ` +
      `${best.provider}, ${best.location})`,
  );
  return best;
}

function saveKey(ctx: Context, file: string, key: string): string | undefined {
  const abs = path.resolve(file);
  try {
    // created with 0600 and never over an existing file (flag wx), so no moment exists where others can read it
    writeFileSync(abs, key.endsWith('\n') ? key : `${key}\n`, { mode: 0o600, flag: 'wx' });
    return abs;
  } catch (err) {
    // the key is shown only once: print it rather than lose it
    ctx.out.note(`could not write ${abs} (${(err as Error).message}); the key follows instead`);
    return undefined;
  }
}

export function sshCommand(session: Pick<SessionView, 'ssh_host' | 'ssh_port' | 'ssh_user'>, keyFile?: string): string {
  return `ssh -i ${keyFile ? shellQuote(keyFile) : '<private key file>'} -p ${session.ssh_port} ${session.ssh_user}@${session.ssh_host}`;
}

export function printReady(ctx: Context, session: SessionView, keyFile: string | undefined, extra: Record<string, unknown> = {}): void {
  const command = sshCommand(session, keyFile);
  if (ctx.out.json) {
    ctx.out.data({ session, ssh_command: command, ...extra });
    return;
  }
  const v = session.verification;
  ctx.out.line(
    `session ${session.id} is running: ${session.gpu_type} ×${session.gpu_count} on ${session.provider}, ` +
      `${usd(session.price_per_hour)}/h, until ${session.expires_at}`,
  );
  if (v?.duration_ms !== undefined) ctx.out.line(`ssh verified in ${(v.duration_ms / 1000).toFixed(1)}s (${v.attempts} probes)`);
  if (session.host_key_fingerprint) ctx.out.line(`host key ${session.host_key_fingerprint}`);
  ctx.out.line(command);
}

function shellQuote(s: string): string {
  return /^[\w./~:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
