// POST /api/v1/sessions with workload fields, through the real middy stack against DynamoDB Local: what the
// existing entrypoint client sends is accepted and shown back; bad input and too small a disk are refused with
// clear JSON before anything is written.
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as makeSessions } from '../../shared/http/routes/sessions.ts';
import { offer } from '../fakes/fake-inventory.ts';
import { callHandler } from '../support/http.ts';
import { provisioningHarness } from '../support/provisioning-harness.ts';

const OFFER = offer({ id: 'vastai-401', gpu_type: 'RTX 4090', vram_gb: 24 });
// a proxy-only Vast.ai host: SSH through ssh*.vast.ai, no port mapped onto its IP
const PROXY_OFFER = offer({ id: 'vastai-402', gpu_type: 'RTX 4090', vram_gb: 24, direct_port_count: 0 });
const TD_OFFER = offer({ id: 'tensordock-0d4c2b9e-1111-4222-8333-944455556666-l4-pcie-24gb', provider: 'tensordock', gpu_type: 'L4' });
const BASE = { consumer_id: 'gpu-deploy-llm/v0.1.0', offer_id: OFFER.id, workload_type: 'llm_vllm', reservation_hours: 1, storage_policy: 'destroy' };
// exactly what deploy/docker_entrypoint.py sends
const ENTRYPOINT = {
  ...BASE,
  launch_mode: 'entrypoint',
  docker_image: 'vllm/vllm-openai:latest',
  model_id: 'Qwen/Qwen2.5-7B-Instruct-AWQ',
  exposed_ports: [8000],
  quantization: 'awq',
};

let h: Awaited<ReturnType<typeof provisioningHarness>>;
let sessions: ReturnType<typeof makeSessions>;

beforeEach(async () => {
  h = await provisioningHarness({ offers: [OFFER, PROXY_OFFER, TD_OFFER] });
  sessions = makeSessions({ ...h.createDeps, events: h.events, workflows: h.workflows });
});

const post = (body: unknown) => callHandler(sessions, { method: 'POST', path: '/api/v1/sessions', routePath: '/api/v1/sessions', body });

describe('POST /api/v1/sessions with a workload', () => {
  it('accepts what the entrypoint client sends and shows the workload back', async () => {
    const res = await post(ENTRYPOINT);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body['session']).toMatchObject({
      launch_mode: 'entrypoint',
      docker_image: 'vllm/vllm-openai:latest',
      model_id: 'Qwen/Qwen2.5-7B-Instruct-AWQ',
      quantization: 'awq',
      exposed_ports: [8000],
      // 7 B at AWQ (3.9 GB) + download + the 20 GB vLLM image + system = 31 GB minimum, 40 recommended
      disk_gb: 40,
      disk_source: 'estimate',
      status: 'pending',
    });
    // no endpoint until the server has answered
    expect(res.body['session']).not.toHaveProperty('api_endpoint');
    const plain = await post({ ...BASE, consumer_id: 'someone-else' });
    expect(plain.body['session']).toMatchObject({ launch_mode: 'ssh', disk_gb: 50, disk_source: 'default' });
  });

  it.each([
    [{ launch_mode: 'docker' }, 'launch_mode'],
    [{ docker_image: 'vllm/vllm-openai; rm -rf /' }, 'docker_image'],
    [{ model_id: 'org/model name' }, 'model_id'],
    [{ quantization: 'q3_k_m' }, 'quantization'],
    [{ exposed_ports: [22] }, 'exposed_ports.0'],
    [{ exposed_ports: [8000, 8000] }, 'exposed_ports'],
    [{ exposed_ports: [] }, 'exposed_ports'],
    [{ disk_gb: 4 }, 'disk_gb'],
    [{ disk_gb: 10.5 }, 'disk_gb'],
    [{ api_timeout_minutes: 0 }, 'api_timeout_minutes'],
    [{ template_hash_id: '../x' }, 'template_hash_id'],
    [{ on_start_cmd: '' }, 'on_start_cmd'],
  ])('refuses %j with 400 naming the field, writing nothing', async (extra, field) => {
    const res = await post({ ...ENTRYPOINT, ...extra });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'validation_error', field });
    expect((await h.sessions.list({ limit: 5 })).sessions).toHaveLength(0);
  });

  it('refuses too small a disk with the estimate, and the same request with enough disk then succeeds', async () => {
    const res = await post({ ...ENTRYPOINT, model_id: 'meta-llama/Llama-3.1-70B-Instruct', quantization: undefined, disk_gb: 100 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error_type: 'insufficient_disk',
      field: 'disk_gb',
      requested_gb: 100,
      minimum_gb: 235,
      recommended_gb: 285,
      breakdown: { model_params_billion: 70, quantization: 'fp16', bytes_per_param: 2, weights_gb: 140, download_buffer_gb: 70, image_gb: 20, system_overhead_gb: 5 },
    });
    expect(String(res.body['error'])).toContain('235 GB');
    expect(typeof res.body['request_id']).toBe('string');
    expect((await h.sessions.list({ limit: 5 })).sessions).toHaveLength(0);
    expect(h.workflows.started).toHaveLength(0);
    const ok = await post({ ...ENTRYPOINT, model_id: 'meta-llama/Llama-3.1-70B-Instruct', quantization: undefined, disk_gb: 235 });
    expect(ok.status).toBe(201);
  });

  it('refuses what the offer’s provider cannot do, and entrypoint mode without what it needs', async () => {
    const td = await post({ ...BASE, offer_id: TD_OFFER.id, docker_image: 'pytorch/pytorch' });
    expect(td.status).toBe(400);
    expect(td.body).toMatchObject({ error_type: 'unsupported_for_provider', field: 'docker_image' });
    const noModel = await post({ ...ENTRYPOINT, model_id: undefined });
    expect(noModel.body).toMatchObject({ error_type: 'validation_error', field: 'model_id' });
    const noPort = await post({ ...ENTRYPOINT, docker_image: 'acme/server:1', exposed_ports: undefined });
    expect(noPort.body).toMatchObject({ error_type: 'validation_error', field: 'exposed_ports' });
    expect((await h.sessions.list({ limit: 5 })).sessions).toHaveLength(0);
  });

  it('refuses exposed ports on a Vast.ai host without enough direct ports, with 400 JSON and nothing written', async () => {
    const res = await post({ ...ENTRYPOINT, offer_id: PROXY_OFFER.id });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error_type: 'offer_lacks_direct_ports',
      field: 'offer_id',
      direct_port_count: 0,
      ports_needed: 1,
    });
    expect(String(res.body['error'])).toContain('direct_port_count');
    expect((await h.sessions.list({ limit: 5 })).sessions).toHaveLength(0);
    expect(h.workflows.started).toHaveLength(0);
    // an SSH-only session may use the proxy host
    const ssh = await post({ ...BASE, offer_id: PROXY_OFFER.id });
    expect(ssh.status, JSON.stringify(ssh.body)).toBe(201);
  });
});
