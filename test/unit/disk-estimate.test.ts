import { describe, expect, it } from 'vitest';
import { estimateDisk, parameterCount, quantizationFromModelId } from '../../shared/domain/disk-estimate.ts';

describe('parameter count from a model id', () => {
  it.each([
    ['meta-llama/Llama-3.1-8B-Instruct', 8],
    ['meta-llama/Llama-3.1-70B-Instruct', 70],
    ['meta-llama/Llama-3.1-405B', 405],
    ['Qwen/Qwen2.5-0.5B-Instruct', 0.5],
    ['TinyLlama/TinyLlama-1.1B-Chat-v1.0', 1.1],
    ['mistralai/Mixtral-8x7B-Instruct-v0.1', 56],
    ['mistralai/Mixtral-8x22B-v0.1', 176],
    ['google/gemma-2-9b-it', 9],
    ['EleutherAI/pythia-70m', 0.07],
    ['deepseek-ai/DeepSeek-V3-0324', 671],
    ['deepseek-ai/DeepSeek-R1', 671],
    // an explicit size wins over the family: a distilled R1 is small
    ['deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 7],
    ['deepseek-ai/DeepSeek-V2-Lite-Chat', 16],
    ['deepseek-ai/DeepSeek-V2.5', 236],
    ['openai-community/gpt2', 0.124],
    ['openai-community/gpt2-xl', 1.5],
    ['microsoft/phi-2', 2.7],
  ])('%s → %s B', (id, params) => {
    expect(parameterCount(id)).toBeCloseTo(params, 6);
  });

  it.each(['', 'my-org/secret-sauce', 'unsloth/llama-3-8bit-experiment', 'org/model-v3.1'])('%j tells nothing', (id) => {
    expect(parameterCount(id)).toBeUndefined();
  });

  it('reads the weight format a model id announces', () => {
    expect(quantizationFromModelId('TheBloke/Mistral-7B-Instruct-v0.2-AWQ')).toBe('awq');
    expect(quantizationFromModelId('Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4')).toBe('gptq');
    expect(quantizationFromModelId('neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8')).toBe('fp8');
    expect(quantizationFromModelId('bartowski/Llama-3.2-3B-Instruct-GGUF')).toBe('gguf');
    expect(quantizationFromModelId('meta-llama/Llama-3.1-8B-Instruct')).toBeUndefined();
    // not a word of its own
    expect(quantizationFromModelId('org/awqward-7b')).toBeUndefined();
  });
});

describe('disk estimate', () => {
  it('adds weights, half again for the download, the image and the system; recommends a fifth more, in 5 GB steps', () => {
    const e = estimateDisk({ model_id: 'meta-llama/Llama-3.1-8B-Instruct', image_gb: 20 })!;
    // 8 B × 2 bytes = 16, + 8 download, + 20 image, + 5 system = 49
    expect(e.minimum_gb).toBe(49);
    expect(e.recommended_gb).toBe(60); // ceil(58.8) = 59 → 60
    expect(e.breakdown).toEqual({
      model_params_billion: 8,
      quantization: 'fp16',
      bytes_per_param: 2,
      weights_gb: 16,
      download_buffer_gb: 8,
      image_gb: 20,
      system_overhead_gb: 5,
    });
  });

  it.each([
    ['fp32', 4],
    ['fp8', 1],
    ['int8', 1],
    ['awq', 0.5625],
    ['gptq', 0.5625],
    ['int4', 0.5],
    ['gguf', 0.5],
  ] as const)('prices %s at %s bytes per parameter', (quantization, bytes) => {
    const e = estimateDisk({ model_id: 'org/model-10b', quantization, image_gb: 10 })!;
    expect(e.breakdown.bytes_per_param).toBe(bytes);
    expect(e.breakdown.weights_gb).toBeCloseTo(10 * bytes, 1);
    expect(e.minimum_gb).toBe(Math.ceil(10 * bytes * 1.5 + 15));
  });

  it('infers the format from the model id when the request names none, and the request wins when it does', () => {
    expect(estimateDisk({ model_id: 'org/big-70b-AWQ', image_gb: 10 })!.breakdown.quantization).toBe('awq');
    expect(estimateDisk({ model_id: 'org/big-70b-AWQ', quantization: 'fp16', image_gb: 10 })!.breakdown.bytes_per_param).toBe(2);
  });

  it("takes a template's recommended disk as a floor for both figures", () => {
    const small = estimateDisk({ model_id: 'Qwen/Qwen2.5-0.5B-Instruct', image_gb: 20, template_recommended_gb: 80 })!;
    expect(small).toMatchObject({ minimum_gb: 80, recommended_gb: 80, breakdown: { template_recommended_gb: 80 } });
    const big = estimateDisk({ model_id: 'org/model-70b', image_gb: 20, template_recommended_gb: 80 })!;
    expect(big.minimum_gb).toBe(235);
    const templateOnly = estimateDisk({ image_gb: 15, template_recommended_gb: 32 })!;
    expect(templateOnly).toMatchObject({ minimum_gb: 32, recommended_gb: 32 });
    expect(templateOnly.breakdown.model_params_billion).toBeUndefined();
  });

  it('has nothing to say without a model size or a template', () => {
    expect(estimateDisk({ model_id: 'org/mystery', image_gb: 20 })).toBeUndefined();
    expect(estimateDisk({ image_gb: 20, template_recommended_gb: 0 })).toBeUndefined();
  });
});
