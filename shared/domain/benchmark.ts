// LLM benchmarks per GPU: what one measured run of a model on an offer says, what it costs per token, and what the
// results of a GPU type predict for the offers in inventory. Pure functions; storage and HTTP live elsewhere.
import { gpuKey, type ProviderName } from './offer.ts';

export const BENCHMARK_RUNTIMES = ['vllm', 'tgi', 'llama.cpp', 'ollama', 'sglang', 'tensorrt-llm', 'other'] as const;
export type BenchmarkRuntime = (typeof BENCHMARK_RUNTIMES)[number];

export interface BenchmarkResult extends MeasuredFigures {
  id: string;
  model: string;
  quantization?: string;
  runtime: BenchmarkRuntime;
  gpu_type: string;
  gpu_count: number;
  provider: ProviderName;
  offer_id?: string;
  host_id?: string;
  machine_id?: string;
  /** what the offer cost per hour when the benchmark ran */
  price_per_hour: number;
  /** who reported it (the consumer of the run, or of the API key) */
  consumer_id?: string;
  /** set when a benchmark run measured it */
  run_id?: string;
  session_id?: string;
  measured_at: string;
  created_at: string;
}

interface CostAnalysis {
  /** price_per_hour / (generation tokens per hour) × 1,000,000 */
  usd_per_million_tokens: number;
  /** generation tokens/s for each dollar per hour */
  tokens_per_second_per_dollar: number;
  tokens_per_hour: number;
  price_per_hour: number;
}

const round = (n: number, digits = 6) => Math.round(n * 10 ** digits) / 10 ** digits;

function usdPerMillionTokens(pricePerHour: number, generationTps: number): number {
  return round((pricePerHour / (generationTps * 3600)) * 1_000_000);
}

export function costAnalysis(r: Pick<BenchmarkResult, 'price_per_hour' | 'generation_tps'>): CostAnalysis {
  return {
    usd_per_million_tokens: usdPerMillionTokens(r.price_per_hour, r.generation_tps),
    // a free offer (price 0) would divide by zero: it is as good as it gets, but not infinitely
    tokens_per_second_per_dollar: r.price_per_hour > 0 ? round(r.generation_tps / r.price_per_hour, 4) : 0,
    tokens_per_hour: Math.round(r.generation_tps * 3600),
    price_per_hour: r.price_per_hour,
  };
}

/** Model names compare without case: "Meta-Llama/Llama-3-8B" and "meta-llama/llama-3-8b" are one model. */
export const modelKey = (model: string): string => model.trim().toLowerCase();

/** Fastest first (generation tokens/s), ties to the cheaper per token. */
export function fastest(results: BenchmarkResult[]): BenchmarkResult | undefined {
  return [...results].sort(
    (a, b) => b.generation_tps - a.generation_tps || costAnalysis(a).usd_per_million_tokens - costAnalysis(b).usd_per_million_tokens,
  )[0];
}

/** Lowest $ per million tokens among the results at least `minTps` fast. */
export function cheapest(results: BenchmarkResult[], minTps = 0): BenchmarkResult | undefined {
  return results
    .filter((r) => r.generation_tps >= minTps)
    .sort((a, b) => costAnalysis(a).usd_per_million_tokens - costAnalysis(b).usd_per_million_tokens || b.generation_tps - a.generation_tps)[0];
}

export interface Comparison {
  result: BenchmarkResult;
  cost_analysis: CostAnalysis;
  /** generation tokens/s against the baseline's (2 = twice as fast) */
  speedup_factor: number;
  /** baseline $/Mtok against this one's (2 = half the cost per token) */
  cost_efficiency: number;
  /** baseline VRAM used against this one's (2 = needs half the memory) */
  memory_efficiency: number;
}

export function compare(baseline: BenchmarkResult, others: BenchmarkResult[]): Comparison[] {
  const base = costAnalysis(baseline);
  return others.map((r) => {
    const c = costAnalysis(r);
    return {
      result: r,
      cost_analysis: c,
      speedup_factor: round(r.generation_tps / baseline.generation_tps, 4),
      cost_efficiency: round(base.usd_per_million_tokens / c.usd_per_million_tokens, 4),
      memory_efficiency: r.vram_used_gb > 0 ? round(baseline.vram_used_gb / r.vram_used_gb, 4) : 0,
    };
  });
}

// ── prediction for inventory ────────────────────────────────────────────────

type ConfidenceLevel = 'low' | 'medium' | 'high';

export interface Prediction {
  /** median generation tokens/s of the results this prediction rests on */
  predicted_tps: number;
  predicted_usd_per_million_tokens: number;
  /** how many results of this GPU type (and count) it rests on */
  result_count: number;
  /** 0–1: n/(n+2), so one result is a hint (0.33) and ten are solid (0.83) */
  confidence: number;
  confidence_level: ConfidenceLevel;
  /** false when no result had this GPU count: tokens/s scaled by the count ratio, confidence halved */
  exact_gpu_count: boolean;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function confidenceOf(n: number, exact: boolean): { confidence: number; confidence_level: ConfidenceLevel } {
  const confidence = round((n / (n + 2)) * (exact ? 1 : 0.5), 3);
  return { confidence, confidence_level: confidence >= 0.7 ? 'high' : confidence >= 0.5 ? 'medium' : 'low' };
}

/**
 * Predicts one model's throughput on GPUs from its results: per GPU type and count the median tokens/s. An offer
 * whose GPU count no result had is predicted from the closest count, scaled linearly (optimistic, so marked inexact).
 */
export class BenchmarkPredictor {
  private readonly byGpu = new Map<string, Map<number, number[]>>();

  constructor(results: BenchmarkResult[]) {
    for (const r of results) {
      const key = gpuKey(r.gpu_type);
      const counts = this.byGpu.get(key) ?? new Map<number, number[]>();
      this.byGpu.set(key, counts);
      counts.set(r.gpu_count, [...(counts.get(r.gpu_count) ?? []), r.generation_tps]);
    }
  }

  get empty(): boolean {
    return this.byGpu.size === 0;
  }

  predict(offer: { gpu_type: string; gpu_count: number; price_per_hour: number }): Prediction | undefined {
    const counts = this.byGpu.get(gpuKey(offer.gpu_type));
    if (!counts) return undefined;
    const exact = counts.get(offer.gpu_count);
    let tps: number;
    let n: number;
    if (exact) {
      tps = median(exact);
      n = exact.length;
    } else {
      const closest = [...counts.keys()].sort((a, b) => Math.abs(a - offer.gpu_count) - Math.abs(b - offer.gpu_count) || a - b)[0]!;
      const samples = counts.get(closest)!;
      tps = (median(samples) * offer.gpu_count) / closest;
      n = samples.length;
    }
    return {
      predicted_tps: round(tps, 2),
      predicted_usd_per_million_tokens: usdPerMillionTokens(offer.price_per_hour, tps),
      result_count: n,
      ...confidenceOf(n, exact !== undefined),
      exact_gpu_count: exact !== undefined,
    };
  }
}

/** Offers with a prediction by predicted $/Mtok (cheapest first), then the ones without, in their given order. */
export function rankByValue<T extends { gpu_type: string; gpu_count: number; price_per_hour: number }>(
  offers: T[],
  predictor: BenchmarkPredictor,
): { offer: T; prediction?: Prediction }[] {
  const rows = offers.map((offer, i) => ({ offer, prediction: predictor.predict(offer), i }));
  rows.sort((a, b) => {
    if (a.prediction && b.prediction) {
      return a.prediction.predicted_usd_per_million_tokens - b.prediction.predicted_usd_per_million_tokens || a.i - b.i;
    }
    if (a.prediction || b.prediction) return a.prediction ? -1 : 1;
    return a.i - b.i;
  });
  return rows.map(({ offer, prediction }) => (prediction ? { offer, prediction } : { offer }));
}

// ── what the benchmark command prints ────────────────────────────────────────

/** The command a benchmark item runs on the instance over SSH; it prints one JSON line of figures (see README). */
export function benchmarkCommand(spec: { model: string; runtime: BenchmarkRuntime; quantization?: string; max_concurrency: number }): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    'gpu-shopper-bench',
    `--model ${q(spec.model)}`,
    `--runtime ${q(spec.runtime)}`,
    ...(spec.quantization ? [`--quantization ${q(spec.quantization)}`] : []),
    `--max-concurrency ${spec.max_concurrency}`,
    '--json',
  ].join(' ');
}

interface MeasuredFigures {
  /** prompt processing (prefill), tokens per second */
  prompt_tps: number;
  /** generation (decode), tokens per second, across the concurrent requests */
  generation_tps: number;
  ttft_ms_p50: number;
  ttft_ms_p95: number;
  max_concurrency: number;
  vram_used_gb: number;
}

const FIGURES = ['prompt_tps', 'generation_tps', 'ttft_ms_p50', 'ttft_ms_p95', 'max_concurrency', 'vram_used_gb'] as const;

/** The last JSON line of the command's output with every figure finite and positive (TTFT may be 0); else undefined. */
export function parseBenchmarkOutput(stdout: string): MeasuredFigures | undefined {
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .at(-1);
  if (!line) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const out: Partial<MeasuredFigures> = {};
  for (const f of FIGURES) {
    const v = raw[f];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return undefined;
    out[f] = v;
  }
  if (!(out.generation_tps! > 0) || !(out.prompt_tps! > 0) || !(out.max_concurrency! >= 1)) return undefined;
  return out as MeasuredFigures;
}
