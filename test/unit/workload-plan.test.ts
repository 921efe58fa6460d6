import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors.ts';
import type { Template } from '../../shared/domain/template.ts';
import { apiDeadline, verificationDeadline } from '../../shared/domain/verification.ts';
import {
  apiBaseUrl,
  checkOfferServes,
  imageProfile,
  offerSupports,
  planWorkload,
  providerSupports,
  serverCommand,
  sshExpected,
  type WorkloadRequest,
} from '../../shared/domain/workload.ts';

const VAST = { provider: 'vastai' as const, default_disk_gb: 50 };
const TD = { provider: 'tensordock' as const, default_disk_gb: 50 };

const VLLM_TEMPLATE: Template = {
  hash_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  name: 'vLLM',
  image: 'vllm/vllm-openai',
  tag: 'latest',
  env: '-p 8000:8000',
  runtype: 'args',
  use_ssh: false,
  recommended: true,
  recommended_disk_space: 80,
  extra_filters: {},
};

function refusal(req: WorkloadRequest, ctx: Parameters<typeof planWorkload>[1] = VAST): ValidationError {
  try {
    planWorkload(req, ctx);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('planning a workload', () => {
  it('an SSH session with nothing to estimate gets the default disk', () => {
    expect(planWorkload({ launch_mode: 'ssh' }, VAST)).toEqual({ launch_mode: 'ssh', disk_gb: 50, disk_source: 'default' });
    expect(planWorkload({ launch_mode: 'ssh', disk_gb: 120 }, VAST)).toMatchObject({ disk_gb: 120, disk_source: 'request' });
  });

  it('vLLM in entrypoint mode: port 8000, /v1/models, OpenAI-compatible, the recommended disk', () => {
    const w = planWorkload(
      { launch_mode: 'entrypoint', docker_image: 'vllm/vllm-openai:latest', model_id: 'meta-llama/Llama-3.1-8B-Instruct' },
      VAST,
    );
    expect(w).toMatchObject({
      launch_mode: 'entrypoint',
      exposed_ports: [8000],
      api: { port: 8000, health_path: '/v1/models', openai: true, server: 'vllm' },
      disk_gb: 60,
      disk_source: 'estimate',
      disk_estimate: { minimum_gb: 49, recommended_gb: 60 },
    });
  });

  it('TGI listens on 80 and answers /health; an exposed port from the request wins', () => {
    const tgi = planWorkload(
      { launch_mode: 'entrypoint', docker_image: 'ghcr.io/huggingface/text-generation-inference:3.0', model_id: 'org/m-7b' },
      TD,
    );
    expect(tgi.api).toEqual({ port: 80, health_path: '/health', openai: true, server: 'tgi' });
    const custom = planWorkload({ launch_mode: 'entrypoint', docker_image: 'acme/server:1', exposed_ports: [9000, 9001] }, VAST);
    expect(custom.api).toEqual({ port: 9000, health_path: '/health', openai: false });
    expect(custom.exposed_ports).toEqual([9000, 9001]);
  });

  it('takes image, name, port and disk floor from a known template', () => {
    const w = planWorkload(
      { launch_mode: 'entrypoint', template_hash_id: VLLM_TEMPLATE.hash_id },
      { ...VAST, template: VLLM_TEMPLATE },
    );
    expect(w).toMatchObject({
      docker_image: 'vllm/vllm-openai:latest',
      template_name: 'vLLM',
      template_ssh: false,
      api: { port: 8000 },
      disk_gb: 80,
    });
  });

  it('refuses a disk below the minimum with the figures and the breakdown', () => {
    const err = refusal({ launch_mode: 'ssh', model_id: 'meta-llama/Llama-3.1-70B-Instruct', disk_gb: 100 });
    expect(err.errorType).toBe('insufficient_disk');
    expect(err.details).toMatchObject({
      field: 'disk_gb',
      requested_gb: 100,
      minimum_gb: 225,
      recommended_gb: 270,
      breakdown: { model_params_billion: 70, weights_gb: 140, download_buffer_gb: 70, image_gb: 10, system_overhead_gb: 5 },
    });
    // exactly the minimum is enough
    expect(planWorkload({ launch_mode: 'ssh', model_id: 'meta-llama/Llama-3.1-70B-Instruct', disk_gb: 225 }, VAST).disk_gb).toBe(225);
  });

  it.each([
    [{ launch_mode: 'entrypoint' }, VAST, 'docker_image', 'validation_error'],
    [{ launch_mode: 'entrypoint', docker_image: 'vllm/vllm-openai' }, VAST, 'model_id', 'validation_error'],
    [{ launch_mode: 'entrypoint', docker_image: 'acme/server:1' }, VAST, 'exposed_ports', 'validation_error'],
    [{ launch_mode: 'ssh', template_hash_id: VLLM_TEMPLATE.hash_id }, TD, 'template_hash_id', 'unsupported_for_provider'],
    [{ launch_mode: 'ssh', docker_image: 'pytorch/pytorch' }, TD, 'docker_image', 'unsupported_for_provider'],
  ] as const)('refuses %j on %s', (req, ctx, field, type) => {
    const err = refusal(req as WorkloadRequest, ctx);
    expect(err.errorType).toBe(type);
    expect(err.details['field']).toBe(field);
  });

  it('a docker image runs on a TensorDock VM in entrypoint mode', () => {
    expect(() => planWorkload({ launch_mode: 'entrypoint', docker_image: 'acme/server:1', exposed_ports: [9000] }, TD)).not.toThrow();
  });
});

describe('launching a workload', () => {
  const vllm = planWorkload(
    { launch_mode: 'entrypoint', docker_image: 'vllm/vllm-openai:latest', model_id: 'org/m-70b', quantization: 'awq' },
    VAST,
  );

  it('starts vLLM on all interfaces at its port, sharded over the GPUs, with the quantization', () => {
    expect(serverCommand(vllm, 4)).toEqual([
      'python3',
      '-m',
      'vllm.entrypoints.openai.api_server',
      '--host',
      '0.0.0.0',
      '--port',
      '8000',
      '--model',
      'org/m-70b',
      '--gpu-memory-utilization',
      '0.90',
      '--tensor-parallel-size',
      '4',
      '--quantization',
      'awq',
    ]);
    expect(serverCommand(vllm, 1)).not.toContain('--tensor-parallel-size');
  });

  it('starts TGI with its own flags; leaves the start to the consumer or the template when they have one', () => {
    const tgi = planWorkload(
      { launch_mode: 'entrypoint', docker_image: 'ghcr.io/huggingface/text-generation-inference', model_id: 'org/m-7b', quantization: 'int8' },
      VAST,
    );
    expect(serverCommand(tgi, 2)).toEqual([
      'text-generation-launcher',
      '--hostname',
      '0.0.0.0',
      '--port',
      '80',
      '--model-id',
      'org/m-7b',
      '--num-shard',
      '2',
      '--quantize',
      'bitsandbytes',
    ]);
    expect(serverCommand({ ...vllm, on_start_cmd: 'my-server &' }, 1)).toBeUndefined();
    expect(serverCommand({ ...vllm, template_hash_id: VLLM_TEMPLATE.hash_id }, 1)).toBeUndefined();
    expect(serverCommand(planWorkload({ launch_mode: 'ssh', docker_image: 'vllm/vllm-openai' }, VAST), 1)).toBeUndefined();
  });

  it('keeps SSH on Vast.ai unless the image has to run its own entrypoint; VMs always have it', () => {
    const custom = planWorkload({ launch_mode: 'entrypoint', docker_image: 'acme/server:1', exposed_ports: [9000] }, VAST);
    expect(sshExpected(custom, 'vastai')).toBe(false);
    expect(sshExpected(custom, 'tensordock')).toBe(true);
    expect(sshExpected({ ...custom, on_start_cmd: 'acme-server &' }, 'vastai')).toBe(true);
    expect(sshExpected(vllm, 'vastai')).toBe(true);
    expect(sshExpected({ ...custom, template_hash_id: 'x'.repeat(32), template_ssh: false }, 'vastai')).toBe(false);
    expect(sshExpected(planWorkload({ launch_mode: 'ssh' }, VAST), 'vastai')).toBe(true);
    expect(sshExpected(undefined, 'vastai')).toBe(true);
  });

  it('keeps a Vast.ai-only workload on Vast.ai when retrying', () => {
    const templated = planWorkload({ launch_mode: 'ssh', template_hash_id: VLLM_TEMPLATE.hash_id }, VAST);
    expect(providerSupports(templated, 'tensordock')).toBe(false);
    expect(providerSupports(planWorkload({ launch_mode: 'ssh', docker_image: 'pytorch/pytorch' }, VAST), 'tensordock')).toBe(false);
    expect(providerSupports(vllm, 'tensordock')).toBe(true);
    expect(providerSupports(templated, 'vastai')).toBe(true);
  });

  // vast-ai docs (hello-world, networking): ports are mapped directly only on hosts with direct_port_count > 0;
  // proxy hosts give SSH through ssh*.vast.ai and nothing else
  it('puts workloads with ports only on Vast.ai hosts with enough direct ports; SSH-only sessions anywhere', () => {
    const twoPorts = planWorkload({ launch_mode: 'entrypoint', docker_image: 'acme/server:1', exposed_ports: [9000, 9001] }, VAST);
    const sshOnly = planWorkload({ launch_mode: 'ssh' }, VAST);
    const sshWithPort = planWorkload({ launch_mode: 'ssh', exposed_ports: [8888] }, VAST);
    const vast = (direct_port_count?: number) => ({ id: 'vastai-1', provider: 'vastai' as const, direct_port_count });
    expect(offerSupports(vllm, vast(100))).toBe(true);
    expect(offerSupports(vllm, vast(0))).toBe(false);
    // unknown (an offer stored before the field was read) is not trusted with ports
    expect(offerSupports(vllm, vast(undefined))).toBe(false);
    expect(offerSupports(twoPorts, vast(1))).toBe(false);
    expect(offerSupports(twoPorts, vast(2))).toBe(true);
    expect(offerSupports(sshWithPort, vast(0))).toBe(false);
    expect(offerSupports(sshOnly, vast(0))).toBe(true);
    expect(offerSupports(undefined, vast(0))).toBe(true);
    // a TensorDock VM has its own IP
    expect(offerSupports(vllm, { provider: 'tensordock' })).toBe(true);
    const err = (() => {
      try {
        checkOfferServes(twoPorts, vast(1));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({
      errorType: 'offer_lacks_direct_ports',
      details: { field: 'offer_id', offer_id: 'vastai-1', direct_port_count: 1, ports_needed: 2 },
    });
    expect(() => checkOfferServes(sshOnly, vast(0))).not.toThrow();
  });

  it('gives heavy images longer budgets, scaled from the configured defaults; a request overrides', () => {
    expect(imageProfile('vllm/vllm-openai:latest')).toMatchObject({ ssh_budget_factor: 1.5, api_budget_factor: 2 });
    expect(imageProfile('ghcr.io/huggingface/text-generation-inference:3.0')).toMatchObject({ ssh_budget_factor: 1.2 });
    expect(imageProfile('nvcr.io/nvidia/nemo:24.05')).toMatchObject({ ssh_budget_factor: 1.5 });
    expect(imageProfile('ollama/ollama')).toMatchObject({ ssh_budget_factor: 1.2 });
    expect(imageProfile(undefined)).toMatchObject({ ssh_budget_factor: 1, api_budget_factor: 1 });
    expect(verificationDeadline(undefined, [], 600_000, 1.5)).toEqual({ ms: 900_000, source: 'default' });
    expect(verificationDeadline(5, [], 600_000, 1.5)).toEqual({ ms: 300_000, source: 'request' });
    expect(apiDeadline(undefined, 600_000, 2)).toEqual({ ms: 1_200_000, source: 'default' });
    expect(apiDeadline(3, 600_000, 2)).toEqual({ ms: 180_000, source: 'request' });
  });

  it('gives clients a base URL, with /v1 for OpenAI-compatible servers', () => {
    expect(apiBaseUrl({ openai: true }, '203.0.113.7', 40100)).toBe('http://203.0.113.7:40100/v1');
    expect(apiBaseUrl({ openai: false }, '203.0.113.7', 9000)).toBe('http://203.0.113.7:9000');
    expect(apiBaseUrl({ openai: false }, '2001:db8::1', 9000)).toBe('http://[2001:db8::1]:9000');
  });
});
