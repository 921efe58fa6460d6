// How much disk a workload needs, worked out before anything is written: a too-small disk is fixed at creation
// and only shows itself minutes later, as a failed download or a container that never starts.

/** Weight formats and what one parameter takes on disk, in bytes. */
const BYTES_PER_PARAM = {
  fp32: 4,
  fp16: 2,
  bf16: 2,
  fp8: 1,
  int8: 1,
  awq: 0.5625,
  gptq: 0.5625,
  int4: 0.5,
  gguf: 0.5,
} as const;
export type Quantization = keyof typeof BYTES_PER_PARAM;
export const QUANTIZATIONS = Object.keys(BYTES_PER_PARAM) as Quantization[];

/** unquantised checkpoints are published in 16-bit */
const DEFAULT_BYTES_PER_PARAM = 2;
/** room for the download next to the unpacked weights (partial files, caches) */
const DOWNLOAD_BUFFER_FRACTION = 0.5;
const SYSTEM_OVERHEAD_GB = 5;
const RECOMMENDED_HEADROOM = 1.2;

/**
 * Models whose names do not carry their size, by the start of their name (after the organisation), in billions of
 * parameters. The longest matching key wins, so `deepseek-v2-lite` is not taken for `deepseek-v2`.
 */
const KNOWN_MODELS: Record<string, number> = {
  'deepseek-r1': 671,
  'deepseek-v3': 671,
  'deepseek-v2': 236,
  'deepseek-v2-lite': 16,
  'kimi-k2': 1000,
  'grok-1': 314,
  'mixtral-8x22b': 176,
  'gpt2-xl': 1.5,
  'gpt2-large': 0.774,
  'gpt2-medium': 0.355,
  gpt2: 0.124,
  'phi-2': 2.7,
  'phi-3-mini': 3.8,
  'phi-3-small': 7,
  'phi-3-medium': 14,
};

// a size segment: "-70b", "_7B", "/8x7b-", "-1.5b", "-350m" (bounded by separators so "v3.1" is not a size)
const MOE = /(?:^|[-_/.])(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)([bm])(?=$|[-_/.])/i;
const DENSE = /(?:^|[-_/.])(\d+(?:\.\d+)?)([bm])(?=$|[-_/.])/i;

/** Billions of parameters named by a model id, or undefined when the id does not tell. */
export function parameterCount(modelId: string | undefined): number | undefined {
  const id = modelId?.trim().toLowerCase();
  if (!id) return undefined;
  const scale = (unit: string) => (unit.toLowerCase() === 'm' ? 1 / 1000 : 1);
  const moe = MOE.exec(id);
  if (moe) return Number(moe[1]) * Number(moe[2]) * scale(moe[3]!);
  const dense = DENSE.exec(id);
  if (dense) return Number(dense[1]) * scale(dense[2]!);
  const name = id.slice(id.lastIndexOf('/') + 1);
  let best: string | undefined;
  for (const key of Object.keys(KNOWN_MODELS)) {
    if ((name === key || name.startsWith(`${key}-`) || name.startsWith(`${key}.`)) && (!best || key.length > best.length)) {
      best = key;
    }
  }
  return best ? KNOWN_MODELS[best] : undefined;
}

/** The weight format a model id announces ("…-AWQ", "…-GPTQ-Int4", "…-FP8", "…-GGUF"), if any. */
export function quantizationFromModelId(modelId: string | undefined): Quantization | undefined {
  const id = modelId?.toLowerCase() ?? '';
  const has = (tag: string) => new RegExp(`(?:^|[-_/.])${tag}(?=$|[-_/.])`).test(id);
  if (has('awq')) return 'awq';
  if (has('gptq')) return 'gptq';
  if (has('gguf')) return 'gguf';
  if (has('fp8')) return 'fp8';
  if (has('int8') || has('w8a8')) return 'int8';
  if (has('int4') || has('w4a16') || has('bnb-4bit')) return 'int4';
  return undefined;
}

interface DiskInput {
  model_id?: string;
  quantization?: Quantization;
  /** the unpacked size of the workload's container image, in GB */
  image_gb: number;
  /** a Vast.ai template's `recommended_disk_space` */
  template_recommended_gb?: number;
}

interface DiskBreakdown {
  model_params_billion?: number;
  quantization?: Quantization;
  bytes_per_param?: number;
  weights_gb: number;
  download_buffer_gb: number;
  image_gb: number;
  system_overhead_gb: number;
  template_recommended_gb?: number;
}

export interface DiskEstimate {
  minimum_gb: number;
  recommended_gb: number;
  breakdown: DiskBreakdown;
}

const roundUpTo5 = (n: number) => Math.ceil(n / 5) * 5;
const tenth = (n: number) => Math.round(n * 10) / 10;

/**
 * Minimum and recommended disk: weights (parameters × bytes per parameter), half as much again for the download,
 * the image and the system; the recommendation adds a fifth and rounds up to 5 GB. A template's own
 * recommendation is a floor for both. Undefined when there is nothing to go on (no model size, no template).
 */
export function estimateDisk(input: DiskInput): DiskEstimate | undefined {
  const params = parameterCount(input.model_id);
  const template = input.template_recommended_gb && input.template_recommended_gb > 0 ? input.template_recommended_gb : undefined;
  if (params === undefined && template === undefined) return undefined;
  const quantization = input.quantization ?? quantizationFromModelId(input.model_id);
  const bytesPerParam = quantization ? BYTES_PER_PARAM[quantization] : DEFAULT_BYTES_PER_PARAM;
  const weights = params === undefined ? 0 : params * bytesPerParam;
  const buffer = weights * DOWNLOAD_BUFFER_FRACTION;
  const sum = weights + buffer + input.image_gb + SYSTEM_OVERHEAD_GB;
  const floor = template ?? 0;
  return {
    minimum_gb: Math.max(Math.ceil(sum), Math.ceil(floor)),
    recommended_gb: Math.max(roundUpTo5(Math.ceil(sum * RECOMMENDED_HEADROOM)), Math.ceil(floor)),
    breakdown: {
      ...(params !== undefined
        ? { model_params_billion: params, quantization: quantization ?? 'fp16', bytes_per_param: bytesPerParam }
        : {}),
      weights_gb: tenth(weights),
      download_buffer_gb: tenth(buffer),
      image_gb: input.image_gb,
      system_overhead_gb: SYSTEM_OVERHEAD_GB,
      ...(template !== undefined ? { template_recommended_gb: template } : {}),
    },
  };
}
