// The benchmark routes (issue 19) described for the OpenAPI document, with the schemas their handlers use.
import type * as z from 'zod';
import type { ResponseDoc, RouteDoc } from './api-spec.ts';
import * as b from './schemas/benchmarks.ts';

const ok = (schema: z.ZodType, description: string): Record<number, ResponseDoc> => ({ 200: { description, schema } });

export const benchmarkSchemas = {
  Benchmark: b.benchmarkAnswer,
  BenchmarkWithAnalysis: b.benchmarkWithAnalysis,
  BenchmarkList: b.benchmarkList,
  BenchmarkComparison: b.comparisonAnswer,
  BenchmarkRecommendations: b.recommendationsAnswer,
  CreateBenchmarkRequest: b.createBenchmarkBody,
  BenchmarkRun: b.runAnswer,
  BenchmarkRunList: b.runList,
  CreateBenchmarkRunRequest: b.createRunBody,
  BenchmarkSchedule: b.scheduleAnswer,
  BenchmarkScheduleList: b.scheduleList,
  CreateBenchmarkScheduleRequest: b.createScheduleBody,
} satisfies Record<string, z.ZodType>;

const derived =
  'usd_per_million_tokens = price_per_hour / (generation_tps × 3600) × 10⁶; tokens_per_second_per_dollar = ' +
  'generation_tps / price_per_hour (both inline and in cost_analysis).';

export const benchmarkDocs: Record<string, RouteDoc> = {
  'POST /api/v1/benchmarks': {
    summary: 'Record a benchmark result',
    description: `Results are shared by every consumer (who reported them is not shown). ${derived}`,
    body: b.createBenchmarkBody,
    responses: { 201: { description: 'recorded', schema: b.benchmarkWithAnalysis } },
    errors: [400, 403, 413],
  },
  'GET /api/v1/benchmarks': {
    summary: 'Benchmark results, newest first, filtered and paged',
    description: `Every filter applies (model, gpu_type or gpu, provider, runtime, run_id). ${derived}`,
    query: b.listBenchmarksQuery,
    responses: ok(b.benchmarkList, 'results; next_cursor when there are more'),
    errors: [400],
  },
  'GET /api/v1/benchmarks/best': {
    summary: 'The fastest result of a model (generation tokens/s)',
    query: b.modelQuery,
    responses: ok(b.benchmarkWithAnalysis, 'the fastest result'),
    errors: [400, 404],
  },
  'GET /api/v1/benchmarks/cheapest': {
    summary: 'The lowest $ per million tokens of a model, among results at least min_tps fast',
    query: b.cheapestQuery,
    responses: ok(b.benchmarkWithAnalysis, 'the cheapest result per token'),
    errors: [400, 404],
  },
  'GET /api/v1/benchmarks/compare': {
    summary: 'Speedup, cost efficiency and memory efficiency against a baseline',
    description: 'speedup_factor = tps / baseline tps; cost_efficiency = baseline $/Mtok / $/Mtok; memory_efficiency = baseline VRAM / VRAM. Most cost-efficient first.',
    query: b.compareQuery,
    responses: ok(b.comparisonAnswer, 'the baseline and the others'),
    errors: [400, 404],
  },
  'GET /api/v1/benchmarks/recommendations': {
    summary: 'Current inventory for a model, ranked by predicted $ per million tokens',
    description:
      'Each offer is predicted from the results of the model on the same GPU type (median tokens/s of the same GPU count, else of the closest count scaled linearly, at half the confidence). confidence = n/(n+2) for n results; offers whose GPU type has no result are left out.',
    query: b.recommendationsQuery,
    responses: ok(b.recommendationsAnswer, 'recommendations, best value first'),
    errors: [400],
  },
  'GET /api/v1/benchmarks/{id}': {
    summary: 'One benchmark result',
    path: b.benchmarkPath,
    responses: ok(b.benchmarkWithAnalysis, 'the result'),
    errors: [400, 404],
  },
  'POST /api/v1/benchmark-runs': {
    summary: 'Benchmark models on GPU types: one session per model × GPU type, within max_budget_usd',
    description:
      'A workflow rents the cheapest matching offer for each item as an ordinary session (budget holds, refunds), runs gpu-shopper-bench over SSH, stores the result and ends the session. Before an item creates anything it reserves price × reservation_hours from the run; an item that would take the run past max_budget_usd is skipped. Sessions do not auto-retry (a dearer retry offer would pass what was reserved).',
    body: b.createRunBody,
    responses: { 201: { description: 'started', schema: b.runAnswer } },
    errors: [400, 403, 413],
  },
  'GET /api/v1/benchmark-runs': {
    summary: "A consumer's benchmark runs, newest first",
    query: b.listRunsQuery,
    responses: ok(b.runList, 'runs'),
    errors: [400, 403],
  },
  'GET /api/v1/benchmark-runs/{id}': {
    summary: 'A run with the status of each item',
    path: b.runPath,
    responses: ok(b.runAnswer, 'the run and its items'),
    errors: [400, 404],
  },
  'DELETE /api/v1/benchmark-runs/{id}': {
    summary: 'Cancel a run: items not started never start, live sessions are ended now',
    path: b.runPath,
    responses: ok(b.runAnswer, 'the run (cancelled; a finished run is answered as it is)'),
    errors: [400, 404],
  },
  'POST /api/v1/benchmark-schedules': {
    summary: 'Run a benchmark run spec on a cron schedule (five fields, UTC)',
    description: 'Checked every minute; each occurrence starts one run (a missed stretch starts one, not one per occurrence).',
    body: b.createScheduleBody,
    responses: { 201: { description: 'created', schema: b.scheduleAnswer } },
    errors: [400, 403, 413],
  },
  'GET /api/v1/benchmark-schedules': {
    summary: "A consumer's benchmark schedules",
    query: b.listRunsQuery,
    responses: ok(b.scheduleList, 'schedules'),
    errors: [400, 403],
  },
  'GET /api/v1/benchmark-schedules/{id}': {
    summary: 'One benchmark schedule, with its next run time',
    path: b.schedulePath,
    responses: ok(b.scheduleAnswer, 'the schedule'),
    errors: [400, 404],
  },
  'PUT /api/v1/benchmark-schedules/{id}': {
    summary: 'Enable or disable a schedule (re-enabling does not make up for missed occurrences)',
    path: b.schedulePath,
    body: b.updateScheduleBody,
    responses: ok(b.scheduleAnswer, 'the schedule'),
    errors: [400, 404, 413],
  },
  'DELETE /api/v1/benchmark-schedules/{id}': {
    summary: 'Delete a schedule (runs it started go on)',
    path: b.schedulePath,
    responses: ok(b.scheduleDeleted, 'deleted'),
    errors: [400, 404],
  },
};
