// Benchmark requests and answers (issue 19), as zod schemas the handlers validate with and the OpenAPI document shows.
import * as z from 'zod';
import { BENCHMARK_RUNTIMES } from '../../domain/benchmark.ts';
import { MAX_RUN_ITEMS } from '../../domain/benchmark-run.ts';
import { QUANTIZATIONS } from '../../domain/disk-estimate.ts';
import { PROVIDERS } from '../../domain/offer.ts';
import { providerParam, textParam } from '../query.ts';
import { identifier, queryInt, queryNumber } from './common.ts';

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[\p{L}\p{N} ._:/@+()-]+$/u, 'may contain only letters, digits, spaces and . _ : / @ + ( ) -');
const rate = (max: number) => z.number().min(0).max(max);
const time = z.iso.datetime();

/** Model names as Hugging Face spells them (org/name), or an Ollama tag (name:tag). */
const modelName = () => text(200);

export const createBenchmarkBody = z
  .object({
    model: modelName(),
    quantization: text(40).optional(),
    runtime: z.enum(BENCHMARK_RUNTIMES),
    gpu_type: text(100),
    gpu_count: z.number().int().min(1).max(64).default(1),
    provider: z.enum(PROVIDERS),
    offer_id: identifier(200).optional(),
    host_id: identifier(200).optional(),
    machine_id: identifier(200).optional(),
    prompt_tps: rate(10_000_000).refine((v) => v > 0, 'must be above 0'),
    generation_tps: rate(10_000_000).refine((v) => v > 0, 'must be above 0'),
    ttft_ms_p50: rate(3_600_000),
    ttft_ms_p95: rate(3_600_000),
    max_concurrency: z.number().int().min(1).max(100_000),
    vram_used_gb: rate(100_000),
    price_per_hour: z.number().min(0).max(100_000).meta({ description: 'USD per hour the offer cost when it ran' }),
    measured_at: time.optional(),
    consumer_id: identifier(128).optional(),
  })
  .refine((b) => b.ttft_ms_p95 >= b.ttft_ms_p50, { message: 'must be at least ttft_ms_p50', path: ['ttft_ms_p95'] });

const BENCHMARK_ID = /^[A-Za-z0-9-]{1,64}$/;
export const benchmarkPath = z.object({
  id: z.string().regex(BENCHMARK_ID, 'is not a benchmark id').meta({ description: 'benchmark result id' }),
});

export const listBenchmarksQuery = z.object({
  model: textParam().optional(),
  gpu_type: textParam().optional().meta({ description: 'any spelling: "RTX4090" and "rtx 4090" are one GPU' }),
  gpu: textParam().optional().meta({ description: 'the reference spelling of gpu_type' }),
  provider: providerParam().optional(),
  runtime: z.enum(BENCHMARK_RUNTIMES).optional(),
  run_id: identifier(64).optional(),
  limit: queryInt(1, 200).default(50),
  cursor: z.string().max(2048).optional(),
});

export const modelQuery = z.object({
  model: textParam().min(1),
  gpu_type: textParam().optional(),
  provider: providerParam().optional(),
  runtime: z.enum(BENCHMARK_RUNTIMES).optional(),
});

export const cheapestQuery = modelQuery.extend({
  min_tps: queryNumber(0, 10_000_000).optional().meta({ description: 'generation tokens/s the result must reach' }),
});

export const compareQuery = z
  .object({
    model: textParam().optional(),
    baseline_id: z.string().regex(BENCHMARK_ID).optional().meta({ description: 'default: the slowest result of the model' }),
    ids: z
      .string()
      .max(2000)
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(BENCHMARK_ID)).max(50))
      .optional()
      .meta({ description: 'comma-separated result ids to compare (default: every result of the model)' }),
  })
  .refine((q) => q.model || q.baseline_id, { message: 'model or baseline_id is required', path: ['model'] });

export const recommendationsQuery = z.object({
  model: textParam().min(1),
  provider: providerParam().optional(),
  min_tps: queryNumber(0, 10_000_000).optional(),
  limit: queryInt(1, 200).default(20),
});

const runSpecShape = z.object({
  models: z.array(modelName()).min(1).max(MAX_RUN_ITEMS),
  gpu_types: z.array(text(100)).min(1).max(MAX_RUN_ITEMS),
  providers: z.array(z.enum(PROVIDERS)).max(PROVIDERS.length).default([]),
  max_budget_usd: z.number().gt(0).max(10_000),
  runtime: z.enum(BENCHMARK_RUNTIMES).default('vllm'),
  quantization: z.enum(QUANTIZATIONS).optional(),
  max_concurrency: z.number().int().min(1).max(1024).default(8),
  reservation_hours: z.number().int().min(1).max(12).default(1),
  launch_mode: z.enum(['ssh', 'entrypoint']).default('ssh'),
  docker_image: z.string().trim().min(1).max(300).regex(/^[\w./:@-]+$/, 'is not an image reference').optional(),
  disk_gb: z.number().int().min(8).max(4096).optional(),
});

type RunSpecInput = Pick<z.output<typeof runSpecShape>, 'models' | 'gpu_types' | 'launch_mode' | 'docker_image'>;

const withRunRules = <T extends z.ZodType<RunSpecInput>>(schema: T) =>
  schema
    .refine((b) => b.models.length * b.gpu_types.length <= MAX_RUN_ITEMS, {
      message: `models × gpu_types may be at most ${MAX_RUN_ITEMS} items`,
      path: ['models'],
    })
    .refine((b) => b.launch_mode !== 'entrypoint' || b.docker_image !== undefined, {
      message: 'is required when launch_mode is entrypoint',
      path: ['docker_image'],
    });

const runSpecBody = withRunRules(runSpecShape);

export const createRunBody = withRunRules(runSpecShape.extend({ consumer_id: identifier(128).optional() }));

export const runPath = z.object({ id: identifier(64).meta({ description: 'benchmark run id' }) });
export const listRunsQuery = z.object({ consumer_id: identifier(128).optional(), limit: queryInt(1, 200).default(50) });

/** Its output is the createSchedule use case's input (the run request as the schedule's `spec`) but for the consumer. */
export const createScheduleBody = z
  .object({
    name: text(100).optional(),
    cron: z
      .string()
      .trim()
      .max(100)
      .meta({ description: 'five fields, UTC: minute hour day-of-month month day-of-week (e.g. "0 3 * * 1")' }),
    run_request: runSpecBody,
    enabled: z.boolean().default(true),
    consumer_id: identifier(128).optional(),
  })
  .transform(({ run_request, ...schedule }) => ({ ...schedule, spec: run_request }));
export const schedulePath = z.object({ id: z.string().regex(/^[0-9a-f-]{36}$/, 'is not a schedule id') });
export const updateScheduleBody = z.object({ enabled: z.boolean() });

// ── answers ──────────────────────────────────────────────────────────────────

const money = z.number();

const costAnalysisAnswer = z.looseObject({
  usd_per_million_tokens: money,
  tokens_per_second_per_dollar: z.number(),
  tokens_per_hour: z.number(),
  price_per_hour: money,
});

export const benchmarkAnswer = z.looseObject({
  id: z.string(),
  model: z.string(),
  runtime: z.string(),
  gpu_type: z.string(),
  gpu_count: z.number().int(),
  provider: z.string(),
  prompt_tps: z.number(),
  generation_tps: z.number(),
  ttft_ms_p50: z.number(),
  ttft_ms_p95: z.number(),
  max_concurrency: z.number().int(),
  vram_used_gb: z.number(),
  price_per_hour: money,
  usd_per_million_tokens: money,
  tokens_per_second_per_dollar: z.number(),
  measured_at: time,
  created_at: time,
});

export const benchmarkWithAnalysis = z.looseObject({ benchmark: benchmarkAnswer, cost_analysis: costAnalysisAnswer });
export const benchmarkList = z.looseObject({
  benchmarks: z.array(benchmarkAnswer),
  count: z.number().int(),
  next_cursor: z.string().optional(),
});
export const comparisonAnswer = z.looseObject({
  baseline: benchmarkWithAnalysis,
  comparisons: z.array(
    z.looseObject({
      result: benchmarkAnswer,
      cost_analysis: costAnalysisAnswer,
      speedup_factor: z.number(),
      cost_efficiency: z.number(),
      memory_efficiency: z.number(),
    }),
  ),
});

const predictionAnswer = z.looseObject({
  predicted_tps: z.number(),
  predicted_usd_per_million_tokens: money,
  result_count: z.number().int(),
  confidence: z.number(),
  confidence_level: z.enum(['low', 'medium', 'high']),
  exact_gpu_count: z.boolean(),
});

export const recommendationsAnswer = z.looseObject({
  model: z.string(),
  recommendations: z.array(z.looseObject({ offer: z.looseObject({ id: z.string() }), prediction: predictionAnswer })),
  count: z.number().int(),
});

const runItemAnswer = z.looseObject({
  run_id: z.string(),
  item_id: z.string(),
  model: z.string(),
  gpu_type: z.string(),
  status: z.enum(['pending', 'provisioning', 'benchmarking', 'ending', 'completed', 'failed', 'skipped', 'cancelled']),
  session_id: z.string().optional(),
  result_id: z.string().optional(),
  reason: z.string().optional(),
});

export const runAnswer = z.looseObject({
  run: z.looseObject({
    id: z.string(),
    consumer_id: z.string(),
    status: z.enum(['running', 'completed', 'cancelled']),
    spec: z.looseObject({}),
    reserved_usd: money,
    spent_usd: money,
    committed_usd: money,
    item_counts: z.record(z.string(), z.number().int()),
    created_at: time,
  }),
  items: z.array(runItemAnswer),
});
export const runList = z.looseObject({ runs: z.array(runAnswer.shape.run), count: z.number().int() });

export const scheduleAnswer = z.looseObject({
  id: z.string(),
  consumer_id: z.string(),
  cron: z.string(),
  run_request: z.looseObject({}),
  enabled: z.boolean(),
  next_run_at: time.optional(),
  last_fired_for: time.optional(),
  last_run_id: z.string().optional(),
  created_at: time,
});
export const scheduleList = z.looseObject({ schedules: z.array(scheduleAnswer), count: z.number().int() });
export const scheduleDeleted = z.looseObject({ id: z.string(), deleted: z.literal(true) });
