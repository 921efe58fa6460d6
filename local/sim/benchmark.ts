// What `gpu-shopper-bench` prints on a simulated instance: LLM serving figures derived from the GPU (decode is bound
// by memory bandwidth, prefill by compute), the model's size and format, and the concurrency asked for — with a few
// percent of variation fixed by the scenario seed, so a seed reproduces the same market and the same benchmarks.
import { stableInt } from './random.ts';

interface BenchMachine {
  gpuName: string;
  gpuCount: number;
  vramMiB: number;
  /** the scenario seed */
  seed: number;
}

/** GB/s of memory bandwidth and dense FP16 TFLOPS per GPU, from the vendors' data sheets (rounded). */
const GPUS: [RegExp, number, number][] = [
  [/H100/i, 3350, 990],
  [/H200/i, 4800, 990],
  [/A100/i, 2039, 312],
  [/RTX 5090/i, 1792, 210],
  [/RTX 5080/i, 960, 113],
  [/RTX 5060 Ti/i, 448, 48],
  [/RTX 4090/i, 1008, 165],
  [/RTX 4080/i, 717, 97],
  [/RTX 3090/i, 936, 71],
  [/L40S/i, 864, 362],
  [/L40\b/i, 864, 181],
  [/\bL4\b/i, 300, 121],
  [/A40\b/i, 696, 150],
  [/A6000/i, 768, 155],
  [/A5000/i, 768, 111],
  [/A4000/i, 448, 77],
  [/V100/i, 900, 125],
  [/T4\b/i, 320, 65],
];

const BYTES_PER_PARAM: Record<string, number> = { fp32: 4, fp16: 2, bf16: 2, fp8: 1, int8: 1, awq: 0.5625, gptq: 0.5625, int4: 0.5, gguf: 0.5 };

interface BenchOutput {
  stdout: string;
  stderr: string;
  code: number;
}

export function simBenchmark(args: string[], m: BenchMachine): BenchOutput {
  const opt = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const model = opt('model');
  if (!model) return { stdout: '', stderr: 'gpu-shopper-bench: --model is required\n', code: 2 };
  const runtime = opt('runtime') ?? 'vllm';
  const quantization = (opt('quantization') ?? '').toLowerCase();
  const concurrency = Math.max(1, Math.min(1024, Number(opt('max-concurrency') ?? 8) || 8));
  const [, bandwidth, tflops] = GPUS.find(([re]) => re.test(m.gpuName)) ?? [/./, 500, 60];
  const paramsB = Number(/(\d+(?:\.\d+)?)\s*[bB]\b/.exec(model)?.[1] ?? 7);
  const weightsGb = paramsB * (BYTES_PER_PARAM[quantization] ?? 2);
  const vramGb = (m.vramMiB / 1024) * m.gpuCount;
  // weights plus KV cache and activations must fit
  if (weightsGb * 1.15 > vramGb) {
    return { stdout: '', stderr: `torch.OutOfMemoryError: CUDA out of memory: ${model} needs ${(weightsGb * 1.15).toFixed(1)} GB, ${vramGb.toFixed(1)} GB on ${m.gpuCount}x ${m.gpuName}\n`, code: 1 };
  }
  // a few percent either way, fixed by seed, GPU, model and runtime
  const jitter = (what: string) => 0.95 + stableInt(0, 1000, m.seed, m.gpuName, model, runtime, quantization, what) / 10_000;
  const runtimeFactor = runtime === 'vllm' || runtime === 'sglang' || runtime === 'tensorrt-llm' ? 1 : runtime === 'tgi' ? 0.9 : 0.7;
  // multi-GPU tensor parallelism scales bandwidth but not perfectly
  const scale = m.gpuCount === 1 ? 1 : m.gpuCount * 0.85;
  const singleStream = ((bandwidth * scale * 0.7) / weightsGb) * runtimeFactor;
  // batching amortises weight reads until compute or KV cache runs out
  const batchGain = Math.min(concurrency, Math.max(1, (vramGb - weightsGb) * 4)) ** 0.8;
  const generation = singleStream * batchGain * jitter('gen');
  const prompt = ((tflops * scale * 1e12 * 0.4) / (2 * paramsB * 1e9)) * runtimeFactor * jitter('prompt');
  const ttft50 = (512 / prompt) * 1000 * (1 + concurrency / 16) * jitter('ttft');
  const figures = {
    model,
    runtime,
    gpu: m.gpuName,
    gpu_count: m.gpuCount,
    prompt_tps: round(prompt, 1),
    generation_tps: round(generation, 1),
    ttft_ms_p50: round(ttft50, 1),
    ttft_ms_p95: round(ttft50 * 1.8, 1),
    max_concurrency: concurrency,
    vram_used_gb: round(Math.min(vramGb * 0.92, weightsGb * 1.15 + (vramGb - weightsGb * 1.15) * 0.8), 2),
  };
  return { stdout: `warming up ${model} on ${m.gpuCount}x ${m.gpuName}\n${JSON.stringify(figures)}\n`, stderr: '', code: 0 };
}

const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;
