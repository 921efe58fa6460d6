// gpu-shopper benchmarks list|show|best|cheapest|compare|recommend|run, and benchmarks runs show|cancel: which GPU
// gives a model the most tokens per dollar, and runs that measure it.
import { type Command, Option } from 'commander';
import { BENCHMARK_RUNTIMES } from '../../shared/domain/benchmark.ts';
import { PROVIDERS } from '../../shared/domain/offer.ts';
import { type ContextOf, intIn, numberIn, segment } from '../context.ts';
import { num, type Output, str, usd } from '../output.ts';

interface BenchmarkView {
  id: string;
  model: string;
  runtime: string;
  quantization?: string;
  gpu_type: string;
  gpu_count: number;
  provider: string;
  generation_tps: number;
  prompt_tps: number;
  ttft_ms_p50: number;
  price_per_hour: number;
  usd_per_million_tokens: number;
  tokens_per_second_per_dollar: number;
}

interface RunView {
  run: { id: string; status: string; committed_usd: number; spent_usd: number; spec: { max_budget_usd: number }; item_counts: Record<string, number> };
  items: { item_id: string; model: string; gpu_type: string; status: string; offer_id?: string; session_id?: string; result_id?: string; reason?: string }[];
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];

export function register(program: Command, contextOf: ContextOf): void {
  const benchmarks = program.command('benchmarks').description('LLM benchmark results per GPU, and runs that measure them');

  benchmarks
    .command('list', { isDefault: true })
    .description('results, newest first')
    .option('-m, --model <name>', 'only this model')
    .option('-g, --gpu <type>', 'only this GPU type (any spelling)')
    .addOption(new Option('-p, --provider <name>', 'only this provider').choices(PROVIDERS))
    .addOption(new Option('-r, --runtime <name>', 'only this runtime').choices(BENCHMARK_RUNTIMES))
    .option('--run <id>', 'only the results of this run')
    .option('-l, --limit <n>', 'at most this many', intIn(1, 200), 20)
    .action(async (opts: { model?: string; gpu?: string; provider?: string; runtime?: string; run?: string; limit: number }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<{ benchmarks: BenchmarkView[] }>('/api/v1/benchmarks', {
        model: opts.model,
        gpu_type: opts.gpu,
        provider: opts.provider,
        runtime: opts.runtime,
        run_id: opts.run,
        limit: String(opts.limit),
      });
      if (out.json) return out.data(answer);
      if (answer.benchmarks.length === 0) return out.line('no benchmarks');
      printResults(out, answer.benchmarks);
    });

  benchmarks
    .command('show <id>')
    .description('one result with its cost analysis')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<{ benchmark: BenchmarkView }>(`/api/v1/benchmarks/${segment(id)}`);
      if (out.json) return out.data(answer);
      printResults(out, [answer.benchmark]);
    });

  for (const [name, description] of [
    ['best', 'the fastest result of a model'],
    ['cheapest', 'the lowest $ per million tokens of a model'],
  ] as const) {
    const command = benchmarks
      .command(name)
      .description(description)
      .requiredOption('-m, --model <name>', 'the model')
      .option('-g, --gpu <type>', 'only this GPU type');
    if (name === 'cheapest') command.option('--min-tps <n>', 'generation tokens/s it must reach', numberIn(0, 10_000_000));
    command.action(async (opts: { model: string; gpu?: string; minTps?: number }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<{ benchmark: BenchmarkView }>(`/api/v1/benchmarks/${name}`, {
        model: opts.model,
        gpu_type: opts.gpu,
        min_tps: opts.minTps === undefined ? undefined : String(opts.minTps),
      });
      if (out.json) return out.data(answer);
      printResults(out, [answer.benchmark]);
    });
  }

  benchmarks
    .command('compare')
    .description('speedup and cost efficiency against a baseline (default: the slowest result of the model)')
    .option('-m, --model <name>', 'the model')
    .option('-b, --baseline <id>', 'the baseline result')
    .option('--ids <ids>', 'comma-separated results to compare')
    .action(async (opts: { model?: string; baseline?: string; ids?: string }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<{
        baseline: { benchmark: BenchmarkView };
        comparisons: { result: BenchmarkView; speedup_factor: number; cost_efficiency: number; memory_efficiency: number }[];
      }>('/api/v1/benchmarks/compare', { model: opts.model, baseline_id: opts.baseline, ids: opts.ids });
      if (out.json) return out.data(answer);
      const b = answer.baseline.benchmark;
      out.line(`baseline ${b.id}: ${b.gpu_type} ×${b.gpu_count} ${num(b.generation_tps, 1)} tok/s ${usd(b.usd_per_million_tokens)}/Mtok`);
      out.table(
        [{ header: 'ID' }, { header: 'GPU' }, { header: 'TOK/S', align: 'right' }, { header: '$/MTOK', align: 'right' }, { header: 'SPEEDUP', align: 'right' }, { header: 'COST EFF', align: 'right' }, { header: 'MEM EFF', align: 'right' }],
        answer.comparisons.map((c) => [
          c.result.id,
          `${c.result.gpu_type} ×${c.result.gpu_count}`,
          num(c.result.generation_tps, 1),
          usd(c.result.usd_per_million_tokens),
          `${num(c.speedup_factor)}×`,
          `${num(c.cost_efficiency)}×`,
          `${num(c.memory_efficiency)}×`,
        ]),
      );
    });

  benchmarks
    .command('recommend')
    .description('offers in inventory for a model, by predicted $ per million tokens')
    .requiredOption('-m, --model <name>', 'the model')
    .addOption(new Option('-p, --provider <name>', 'only this provider').choices(PROVIDERS))
    .option('--min-tps <n>', 'predicted tokens/s it must reach', numberIn(0, 10_000_000))
    .option('-l, --limit <n>', 'at most this many', intIn(1, 200), 10)
    .action(async (opts: { model: string; provider?: string; minTps?: number; limit: number }, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<{
        recommendations: {
          offer: { id: string; gpu_type: string; gpu_count: number; price_per_hour: number; location: string };
          prediction: { predicted_tps: number; predicted_usd_per_million_tokens: number; confidence: number; result_count: number };
        }[];
      }>('/api/v1/benchmarks/recommendations', {
        model: opts.model,
        provider: opts.provider,
        min_tps: opts.minTps === undefined ? undefined : String(opts.minTps),
        limit: String(opts.limit),
      });
      if (out.json) return out.data(answer);
      if (answer.recommendations.length === 0) return out.line(`no results for ${opts.model} on any GPU in inventory`);
      out.table(
        [{ header: 'OFFER' }, { header: 'GPU' }, { header: '$/H', align: 'right' }, { header: 'TOK/S', align: 'right' }, { header: '$/MTOK', align: 'right' }, { header: 'CONFIDENCE', align: 'right' }],
        answer.recommendations.map(({ offer, prediction }) => [
          offer.id,
          `${offer.gpu_type} ×${offer.gpu_count}`,
          usd(offer.price_per_hour),
          num(prediction.predicted_tps, 1),
          usd(prediction.predicted_usd_per_million_tokens),
          `${num(prediction.confidence)} (${prediction.result_count})`,
        ]),
      );
    });

  benchmarks
    .command('run')
    .description('benchmark models on GPU types: one session per pair, within --budget')
    .requiredOption('-m, --model <names>', 'model(s), repeat or comma-separate', collect)
    .requiredOption('-g, --gpu <types>', 'GPU type(s), repeat or comma-separate', collect)
    .requiredOption('--budget <usd>', 'the run never commits more than this', numberIn(0.0001, 10_000))
    .option('-p, --provider <names>', 'only these providers', collect)
    .addOption(new Option('-r, --runtime <name>', 'serving runtime').choices(BENCHMARK_RUNTIMES).default('vllm'))
    .option('--concurrency <n>', 'concurrent requests', intIn(1, 1024), 8)
    .option('--image <ref>', 'run this image as the workload (entrypoint mode)')
    .option('-c, --consumer <id>', 'the consumer (default: the API key’s)')
    .action(
      async (
        opts: { model: string[]; gpu: string[]; budget: number; provider?: string[]; runtime: string; concurrency: number; image?: string; consumer?: string },
        cmd: Command,
      ) => {
        const { api, out } = contextOf(cmd);
        const answer = await api.post<RunView>('/api/v1/benchmark-runs', {
          ...(opts.consumer ? { consumer_id: opts.consumer } : {}),
          models: opts.model,
          gpu_types: opts.gpu,
          providers: opts.provider ?? [],
          max_budget_usd: opts.budget,
          runtime: opts.runtime,
          max_concurrency: opts.concurrency,
          ...(opts.image ? { launch_mode: 'entrypoint', docker_image: opts.image } : {}),
        });
        if (out.json) return out.data(answer);
        printRun(out, answer);
      },
    );

  const runs = benchmarks.command('runs').description('benchmark runs');
  runs
    .command('show <id>')
    .description('a run and the status of each item')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.get<RunView>(`/api/v1/benchmark-runs/${segment(id)}`);
      if (out.json) return out.data(answer);
      printRun(out, answer);
    });
  runs
    .command('cancel <id>')
    .description('cancel a run: nothing more starts, live sessions end now')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { api, out } = contextOf(cmd);
      const answer = await api.delete<RunView>(`/api/v1/benchmark-runs/${segment(id)}`);
      if (out.json) return out.data(answer);
      printRun(out, answer);
    });
}

function printResults(out: Output, results: BenchmarkView[]): void {
  out.table(
    [{ header: 'ID' }, { header: 'MODEL' }, { header: 'GPU' }, { header: 'PROVIDER' }, { header: 'RUNTIME' }, { header: 'TOK/S', align: 'right' }, { header: 'TTFT P50', align: 'right' }, { header: '$/H', align: 'right' }, { header: '$/MTOK', align: 'right' }],
    results.map((r) => [
      r.id,
      r.quantization ? `${r.model} (${r.quantization})` : r.model,
      `${r.gpu_type} ×${r.gpu_count}`,
      r.provider,
      r.runtime,
      num(r.generation_tps, 1),
      `${num(r.ttft_ms_p50, 0)} ms`,
      usd(r.price_per_hour),
      usd(r.usd_per_million_tokens),
    ]),
  );
}

function printRun(out: Output, view: RunView): void {
  const r = view.run;
  out.line(`run ${r.id}: ${r.status}, committed ${usd(r.committed_usd)} of ${usd(r.spec.max_budget_usd)}`);
  out.table(
    [{ header: 'ITEM' }, { header: 'MODEL' }, { header: 'GPU' }, { header: 'STATUS' }, { header: 'SESSION' }, { header: 'RESULT / REASON' }],
    view.items.map((i) => [i.item_id, i.model, i.gpu_type, i.status, str(i.session_id), i.result_id ?? str(i.reason)]),
  );
}
