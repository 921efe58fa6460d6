// gpu-shopper costs: one session's cost and refunds (--session), or a consumer's summary over a period;
// `costs summary`: this month with the budget.
import { type Command, Option } from 'commander';
import { CliError } from '../api-client.ts';
import { type ContextOf, date } from '../context.ts';
import { type Output, num, time, usd } from '../output.ts';

interface SessionCosts {
  session_id: string;
  consumer_id: string;
  total_cost: number;
  duration_hours: number;
  refunded: number;
  refund_count: number;
  breakdown: {
    attempt: number;
    provider: string;
    gpu_type: string;
    instance_id: string;
    price_per_hour: number;
    started_at: string;
    ended_at: string | null;
    billed_cost: number;
    provider_cost: number;
    duration_hours: number;
    refunded: boolean;
    refund_amount?: number;
    refund_reason?: string;
  }[];
}

interface ConsumerCosts {
  consumer_id?: string;
  total_cost: number;
  duration_hours: number;
  session_count: number;
  refunded_total: number;
  by_provider: Record<string, number>;
  by_gpu_type: Record<string, number>;
  period_start: string;
  period_end: string;
  monthly_budget_usd?: number;
  budget_remaining_usd?: number;
}

interface CostsOptions {
  session?: string;
  consumer?: string;
  period?: string;
  start?: string;
  end?: string;
}

export function register(program: Command, contextOf: ContextOf): void {
  const costs = program
    .command('costs')
    .description("a session's costs and refunds (--session), or a consumer's over a period")
    .option('-s, --session <id>', 'one session')
    .option('-c, --consumer <id>', 'one consumer (all, when auth is off and none is given)')
    .addOption(new Option('-p, --period <period>', 'this day or this month').choices(['daily', 'monthly']))
    .option('--start <date>', 'from this day (YYYY-MM-DD)', date)
    .option('--end <date>', 'to this day (YYYY-MM-DD)', date)
    .action(async (opts: CostsOptions, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      if (opts.session) {
        if (opts.consumer || opts.period || opts.start || opts.end) {
          throw new CliError('invalid_usage', '--session shows one session; drop --consumer, --period, --start and --end');
        }
        const answer = await api.get<SessionCosts>('/api/v1/costs', { session_id: opts.session });
        if (out.json) return out.data(answer);
        return printSessionCosts(out, answer);
      }
      const answer = await api.get<ConsumerCosts>('/api/v1/costs', {
        consumer_id: opts.consumer,
        period: opts.period,
        start_date: opts.start,
        end_date: opts.end,
      });
      if (out.json) return out.data(answer);
      printSummary(out, answer);
    });

  // `costs summary -c x` and `costs -c x summary` alike: the options are the parent's, parsed wherever they stand
  costs
    .command('summary')
    .description("this month's costs, with the budget if one is set (takes --consumer)")
    .action(async (_opts: unknown, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const opts = cmd.optsWithGlobals<CostsOptions>();
      if (opts.session || opts.period || opts.start || opts.end) {
        throw new CliError('invalid_usage', 'costs summary covers this month for one consumer; it takes only --consumer');
      }
      const answer = await api.get<ConsumerCosts>('/api/v1/costs/summary', { consumer_id: opts.consumer });
      if (out.json) return out.data(answer);
      printSummary(out, answer);
    });
}

function printSessionCosts(out: Output, c: SessionCosts): void {
  out.table(
    [
      { header: 'ATT', align: 'right' },
      { header: 'PROVIDER' },
      { header: 'GPU' },
      { header: 'INSTANCE' },
      { header: 'USD/H', align: 'right' },
      { header: 'HOURS', align: 'right' },
      { header: 'BILLED', align: 'right' },
      { header: 'REFUND' },
      { header: 'ENDED' },
    ],
    c.breakdown.map((b) => [
      String(b.attempt),
      b.provider,
      b.gpu_type,
      b.instance_id,
      usd(b.price_per_hour),
      num(b.duration_hours, 4),
      usd(b.billed_cost),
      b.refunded ? `${usd(b.refund_amount)} (${b.refund_reason ?? ''})` : '',
      b.ended_at ? time(b.ended_at) : 'open',
    ]),
  );
  out.line();
  out.line(
    `session ${c.session_id} (${c.consumer_id}): ${usd(c.total_cost)} for ${num(c.duration_hours, 4)} h; ` +
      `${c.refund_count} refunds totalling ${usd(c.refunded)}`,
  );
}

function printSummary(out: Output, c: ConsumerCosts): void {
  out.fields([
    ['consumer', c.consumer_id ?? '(all)'],
    ['period', `${time(c.period_start)} – ${time(c.period_end)}`],
    ['total', usd(c.total_cost)],
    ['hours', num(c.duration_hours, 4)],
    ['sessions', String(c.session_count)],
    ['refunded', usd(c.refunded_total)],
    ['budget', c.monthly_budget_usd === undefined ? undefined : `${usd(c.monthly_budget_usd, 2)} (${usd(c.budget_remaining_usd, 2)} left)`],
  ]);
  const rows = [
    ...Object.entries(c.by_provider ?? {}).map(([k, v]) => ['provider', k, usd(v)]),
    ...Object.entries(c.by_gpu_type ?? {}).map(([k, v]) => ['gpu', k, usd(v)]),
  ];
  if (rows.length > 0) {
    out.line();
    out.table([{ header: 'BY' }, { header: 'NAME' }, { header: 'BILLED', align: 'right' }], rows);
  }
}
