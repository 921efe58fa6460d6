// Benchmark results: recording one, and the questions users ask of them — the fastest, the cheapest per token at a
// minimum speed, how others compare with a baseline, and which offers in inventory should give a model the most
// tokens per dollar.
import type { Answer } from '../../http/schemas/responses.ts';
import { randomUUID } from 'node:crypto';
import type { benchmarkAnswer, benchmarkWithAnalysis } from '../../http/schemas/benchmarks.ts';
import {
  BenchmarkPredictor,
  type BenchmarkResult,
  cheapest,
  compare,
  type Comparison,
  costAnalysis,
  fastest,
  type Prediction,
  rankByValue,
} from '../../domain/benchmark.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { gpuKey } from '../../domain/offer.ts';
import type { BenchmarkStore } from '../../ports/benchmarks.ts';
import type { InventoryReader, RankedOffer } from '../../ports/inventory.ts';

export interface BenchmarkDeps {
  results: BenchmarkStore;
  clock: () => Date;
  newId?: () => string;
}

type NewResult = Omit<BenchmarkResult, 'id' | 'created_at' | 'measured_at'> & { measured_at?: string };

export async function recordResult(deps: BenchmarkDeps, input: NewResult): Promise<BenchmarkResult> {
  const now = deps.clock().toISOString();
  const result: BenchmarkResult = { ...input, id: (deps.newId ?? randomUUID)(), measured_at: input.measured_at ?? now, created_at: now };
  await deps.results.put(result);
  return result;
}

/**
 * The wire shape of one result: its derived figures inline (and, in withAnalysis, as the reference's cost_analysis).
 * Results are shared by every consumer — what a GPU does is no secret — but who measured it and with which session is.
 */
export function resultView(r: BenchmarkResult) {
  const c = costAnalysis(r);
  const { consumer_id: _c, session_id: _s, ...shared } = r;
  return {
    ...shared,
    usd_per_million_tokens: c.usd_per_million_tokens,
    tokens_per_second_per_dollar: c.tokens_per_second_per_dollar,
  } satisfies Answer<typeof benchmarkAnswer>;
}

export const withAnalysis = (r: BenchmarkResult) =>
  ({ benchmark: resultView(r), cost_analysis: costAnalysis(r) }) satisfies Answer<typeof benchmarkWithAnalysis>;

export async function getResult(deps: BenchmarkDeps, id: string): Promise<BenchmarkResult> {
  const r = await deps.results.get(id);
  if (!r) throw new NotFoundError(`benchmark ${id} not found`, { benchmark_id: id });
  return r;
}

interface ModelFilter {
  model: string;
  gpu_type?: string;
  provider?: string;
  runtime?: string;
}

async function resultsFor(deps: BenchmarkDeps, f: ModelFilter): Promise<BenchmarkResult[]> {
  const rows = (await deps.results.forModel(f.model)).filter(
    (r) =>
      (!f.gpu_type || gpuKey(r.gpu_type) === gpuKey(f.gpu_type)) &&
      (!f.provider || r.provider === f.provider) &&
      (!f.runtime || r.runtime === f.runtime),
  );
  if (rows.length === 0) throw new NotFoundError(`no benchmarks found for model: ${f.model}`, { model: f.model });
  return rows;
}

export async function bestResult(deps: BenchmarkDeps, f: ModelFilter): Promise<BenchmarkResult> {
  return fastest(await resultsFor(deps, f))!;
}

export async function cheapestResult(deps: BenchmarkDeps, f: ModelFilter & { min_tps?: number }): Promise<BenchmarkResult> {
  const r = cheapest(await resultsFor(deps, f), f.min_tps ?? 0);
  if (!r) {
    throw new NotFoundError(`no benchmark of ${f.model} reaches ${f.min_tps} tokens/s`, { model: f.model, min_tps: f.min_tps ?? 0 });
  }
  return r;
}

/**
 * Against a baseline: a result id, or otherwise the slowest result of the model (so every factor reads "× better
 * than the weakest"). The others are every other result of the model, or the ids given.
 */
export async function compareResults(
  deps: BenchmarkDeps,
  q: { model?: string; baseline_id?: string; ids?: string[] },
): Promise<{ baseline: ReturnType<typeof withAnalysis>; comparisons: (Omit<Comparison, 'result'> & { result: ReturnType<typeof resultView> })[] }> {
  let baseline: BenchmarkResult | undefined;
  let others: BenchmarkResult[];
  if (q.baseline_id) baseline = await getResult(deps, q.baseline_id);
  if (q.ids?.length) {
    others = await Promise.all(q.ids.map((id) => getResult(deps, id)));
  } else {
    const model = q.model ?? baseline?.model;
    if (!model) throw new NotFoundError('compare needs a model or a baseline_id');
    others = await resultsFor(deps, { model });
  }
  baseline ??= [...others].sort((a, b) => a.generation_tps - b.generation_tps)[0]!;
  const rest = others.filter((r) => r.id !== baseline!.id);
  return {
    baseline: withAnalysis(baseline),
    comparisons: compare(baseline, rest)
      .sort((a, b) => b.cost_efficiency - a.cost_efficiency)
      .map((c) => ({ ...c, result: resultView(c.result) })),
  };
}

interface Recommendation {
  offer: RankedOffer;
  prediction: Prediction;
}

/** The current inventory for a model, ranked by predicted $/Mtok from results of the same GPU type. */
export async function recommend(
  deps: BenchmarkDeps & { inventory: InventoryReader },
  q: { model: string; provider?: string; min_tps?: number; limit: number },
): Promise<Recommendation[]> {
  const predictor = new BenchmarkPredictor(await deps.results.forModel(q.model));
  if (predictor.empty) return [];
  const offers = (await deps.inventory.listOffers()).filter((o) => !q.provider || o.provider === q.provider);
  return rankByValue(offers, predictor)
    .filter((r): r is Recommendation => r.prediction !== undefined && r.prediction.predicted_tps >= (q.min_tps ?? 0))
    .slice(0, q.limit);
}
