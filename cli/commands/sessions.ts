// gpu-shopper sessions list|get|events|wait|watch|done|extend|delete
import { type Command, Option } from 'commander';
import { PROVIDERS } from '../../shared/domain/offer.ts';
import { SESSION_STATUSES } from '../../shared/domain/session.ts';
import type { SessionView } from '../../shared/http/session-view.ts';
import type { SessionEvent } from '../../shared/ports/session-events.ts';
import { CliError } from '../api-client.ts';
import { type Context, type ContextOf, intIn, segment } from '../context.ts';
import { age, duration, oneLine, str, time, usd } from '../output.ts';
import { waitForSession } from '../wait.ts';
import { watchSession } from '../watch.ts';
import { printReady, sshCommand } from './provision.ts';

type Ended = SessionView & { message: string; session_id: string };

interface WaitFlags {
  wait?: boolean;
  waitTimeout: number;
  pollInterval: number;
}

/** `what` names the --wait flag; without it the command always waits. */
function addWaitOptions(cmd: Command, what?: string): Command {
  if (what) cmd.option('--wait', what);
  return cmd
    .option('--wait-timeout <seconds>', 'give up waiting after this long', intIn(1, 86_400), 1800)
    .option('--poll-interval <ms>', 'how often to ask the server', intIn(100, 60_000), 1000);
}

export function register(program: Command, contextOf: ContextOf): void {
  const sessions = program.command('sessions').description('list, inspect, follow, extend and end sessions');

  sessions
    .command('list')
    .description('sessions, newest first')
    .option('-c, --consumer <id>', 'only this consumer')
    .addOption(new Option('-s, --status <status>', 'only this status').choices(SESSION_STATUSES))
    .addOption(new Option('-p, --provider <name>', 'only this provider').choices(PROVIDERS))
    .option('--limit <n>', 'at most this many', intIn(1, 500), 50)
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .action(async (opts: { consumer?: string; status?: string; provider?: string; limit: number; cursor?: string }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<{ sessions: SessionView[]; count: number; next_cursor?: string }>('/api/v1/sessions', {
        consumer_id: opts.consumer,
        status: opts.status,
        provider: opts.provider,
        limit: opts.limit,
        cursor: opts.cursor,
      });
      if (out.json) return out.data(answer);
      out.table(
        [
          { header: 'SESSION' },
          { header: 'STATUS' },
          { header: 'PHASE' },
          { header: 'CONSUMER' },
          { header: 'PROVIDER' },
          { header: 'GPU' },
          { header: 'USD/H', align: 'right' },
          { header: 'CREATED' },
          { header: 'EXPIRES' },
          { header: 'ERROR' },
        ],
        answer.sessions.map((s) => [
          s.id,
          s.status,
          s.phase,
          s.consumer_id,
          s.provider,
          s.gpu_type,
          usd(s.price_per_hour),
          age(s.created_at),
          s.status === 'running' ? age(s.expires_at) : '',
          s.error_type ?? '',
        ]),
      );
      if (answer.next_cursor) out.note(`more: gpu-shopper sessions list --cursor ${answer.next_cursor}`);
    });

  sessions
    .command('get <id>')
    .description('one session: status, attempts, SSH endpoint, verification figures')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const s = await ctx.api.get<SessionView>(`/api/v1/sessions/${segment(id)}`);
      if (ctx.out.json) return ctx.out.data(s);
      printSession(ctx, s);
    });

  sessions
    .command('events <id>')
    .description("the session's timeline: each step, each SSH probe with its class and duration")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<{ session_id: string; status: string; events: SessionEvent[] }>(
        `/api/v1/sessions/${segment(id)}/events`,
      );
      if (out.json) return out.data(answer);
      const start = answer.events[0] ? Date.parse(answer.events[0].at) : 0;
      out.table(
        [{ header: 'TIME' }, { header: '+', align: 'right' }, { header: 'ATT', align: 'right' }, { header: 'EVENT' }, { header: 'DETAIL' }],
        answer.events.map((e) => [time(e.at), duration(Date.parse(e.at) - start), str(e.attempt), e.type, details(e)]),
      );
      out.line(`${answer.events.length} events; session ${answer.session_id} is ${answer.status}`);
    });

  addWaitOptions(
    sessions.command('wait <id>').description('follow a session until it runs (or fails), then print the ssh command'),
  )
    .option('-k, --key <path>', 'the private key file, for the ssh command')
    .action(async (id: string, opts: WaitFlags & { key?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const ready = await waitForSession(ctx, id, 'running', { timeoutSeconds: opts.waitTimeout, pollMs: opts.pollInterval });
      printReady(ctx, ready, opts.key);
    });

  sessions
    .command('watch <id>')
    .description('follow the session\'s events (status changes, failed attempts, refunds, retries) until it ends')
    .option('--timeout <seconds>', 'stop watching after this long', intIn(1, 86_400), 86_400)
    .option('--poll-interval <ms>', 'how often to ask the server', intIn(100, 60_000), 1000)
    .action(async (id: string, opts: { timeout: number; pollInterval: number }, cmd: Command) => {
      const ctx = contextOf(cmd);
      // -o json: one JSON object per line as events happen (for jq and scripts)
      const final = await watchSession(ctx, id, { pollMs: opts.pollInterval, timeoutSeconds: opts.timeout }, (e) =>
        ctx.out.json
          ? ctx.out.line(JSON.stringify(e))
          : ctx.out.line(
              `${time(e.at)}  ${e.type.padEnd(24)} ${e.previous_status ? `${e.previous_status} → ` : ''}${e.status}` +
                `${e.attempt ? `  attempt ${e.attempt}` : ''}${e.message ? `  ${oneLine(e.message)}` : ''}`,
            ),
      );
      if (!ctx.out.json && !['stopped', 'failed'].includes(final.status)) ctx.out.note(`still ${final.status}: stopped watching`);
    });

  for (const [name, method, description] of [
    ['done', 'POST', 'end the session: destroy its instance and close its costs'],
    ['delete', 'DELETE', 'end the session (as done; for existing clients)'],
  ] as const) {
    addWaitOptions(sessions.command(`${name} <id>`).description(description), 'wait until the instance is confirmed destroyed').action(
      async (id: string, opts: WaitFlags, cmd: Command) => {
        const ctx = contextOf(cmd);
        const path = name === 'done' ? `/api/v1/sessions/${segment(id)}/done` : `/api/v1/sessions/${segment(id)}`;
        const answer = await ctx.api.request<Ended>(method, path, {});
        const final = opts.wait
          ? await waitForSession(ctx, answer.id, 'ended', {
              timeoutSeconds: opts.waitTimeout,
              pollMs: opts.pollInterval,
              history: false,
            })
          : answer;
        // the instance may still be running and billing: that is a failure of this command, not a result
        if (opts.wait && final.error_type === 'destroy_failed') throw new CliError('destroy_failed', final.error ?? 'the instance was not confirmed destroyed');
        if (ctx.out.json) return ctx.out.data(opts.wait ? final : answer);
        ctx.out.line(`session ${answer.id}: ${answer.message}`);
        if (opts.wait) ctx.out.line(`session ${final.id} is ${final.status}${final.ended_reason ? ` (${final.ended_reason})` : ''}`);
      },
    );
  }

  sessions
    .command('extend <id>')
    .description('move expires_at later (never past the hard maximum)')
    .option('-t, --hours <n>', 'hours to add', intIn(1, 12), 1)
    .action(async (id: string, opts: { hours: number }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const s = await api.post<SessionView & { new_expires_at: string }>(`/api/v1/sessions/${segment(id)}/extend`, {
        additional_hours: opts.hours,
      });
      if (out.json) return out.data(s);
      out.line(`session ${s.id} now expires at ${s.new_expires_at} (${age(s.new_expires_at)}; hard maximum ${s.hard_max_at})`);
    });
}

function printSession(ctx: Context, s: SessionView): void {
  const { out } = ctx;
  const v = s.verification;
  out.fields([
    ['session', s.id],
    ['status', `${s.status} (${s.phase})`],
    ['consumer', s.consumer_id],
    ['offer', `${s.offer_id} — ${s.gpu_type} ×${s.gpu_count}, ${s.vram_gb}GB, ${usd(s.price_per_hour)}/h on ${s.provider}`],
    ['workload', s.workload_type],
    ['created', `${time(s.created_at)} (${age(s.created_at)})`],
    ['expires', `${time(s.expires_at)} (${age(s.expires_at)}); hard maximum ${time(s.hard_max_at)}`],
    ['stopped', s.stopped_at ? `${time(s.stopped_at)} (${s.ended_reason ?? ''})` : undefined],
    ['error', s.error_type ? `${s.error_type}: ${oneLine(s.error ?? '')}` : undefined],
    ['ssh', s.ssh_host ? sshCommand(s) : undefined],
    ['host key', s.host_key_fingerprint],
    [
      'verification',
      v
        ? `${v.attempts} probes${v.last_class ? `, last ${v.last_class}` : ''}` +
          (v.duration_ms !== undefined ? `, verified in ${duration(v.duration_ms)}` : `, deadline ${time(v.deadline_at)} (${v.deadline_source})`)
        : undefined,
    ],
    ['provider status', s.last_provider_status],
    ['retries', s.auto_retry ? `${s.retry_count} of ${s.max_retries} (${s.retry_scope})` : 'off'],
    ['execution', s.execution_arn],
  ]);
  if (s.attempts.length > 0) {
    out.line();
    out.table(
      [{ header: 'ATT', align: 'right' }, { header: 'OFFER' }, { header: 'GPU' }, { header: 'USD/H', align: 'right' }, { header: 'INSTANCE' }, { header: 'OUTCOME' }, { header: 'ERROR' }],
      s.attempts.map((a) => [
        String(a.attempt),
        a.offer_id,
        a.gpu_type,
        usd(a.price_per_hour),
        a.instance_id ?? '',
        a.outcome + (a.destroyed_at ? ', destroyed' : ''),
        a.error_type ? `${a.error_type}: ${oneLine(a.error ?? '')}` : '',
      ]),
    );
  }
}

const SKIP = new Set(['type', 'at', 'attempt']);

/** An event's own fields as `k=v`, in the order the server wrote them. */
function details(e: SessionEvent): string {
  return Object.entries(e)
    .filter(([k, v]) => !SKIP.has(k) && v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : oneLine(String(v))}`)
    .join(' ');
}
