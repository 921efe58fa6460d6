// Workloads end to end: the real provisioning state machine, handlers and adapters against the simulated
// marketplaces, whose entrypoint instances serve a small HTTP health endpoint on a mapped loopback port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../local/sim/scenario.ts';
import { type Harness, startHarness } from '../support/runtime-harness.ts';

const VLLM = 'vllm/vllm-openai:latest';
const MODEL = 'Qwen/Qwen2.5-0.5B-Instruct';
const TGI_TEMPLATE = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const VLLM_TEMPLATE = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const CUDA_TEMPLATE = '4e17788f74f075dd9aab7d0d4427968f';

const scenario: ScenarioInput = {
  vastai: {
    defaults: { boot_seconds: 1, ssh: 'ok', api_boot_seconds: [1, 2] },
    hosts: { mute: { api: 'never' }, sick: { api: 'unhealthy' } },
    offers: [
      { gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US', count: 6, cuda: 12.8 },
      { gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'Oregon, US', count: 3, cuda: 12.8 },
      { gpu: 'RTX 3090', vram_gb: 24, price: 0.06, location: 'Quebec, CA', host: 'mute', cuda: 12.4 },
      { gpu: 'RTX A5000', vram_gb: 24, price: 0.2, location: 'Utah, US', host: 'sick', cuda: 12.2 },
      { gpu: 'A100 SXM4', vram_gb: 80, price: 1.0, location: 'Iowa, US', cuda: 11.8 },
    ],
  },
  tensordock: {
    defaults: { boot_seconds: 1, api_boot_seconds: 1 },
    ip_delay_seconds: 0.2,
    offers: [
      { gpu: 'NVIDIA GeForce RTX 4090 PCIe 24GB', vram_gb: 24, price: 0.4, location: 'Chubbuck, Idaho, United States', tier: 3 },
    ],
  },
};

let h: Harness;

beforeAll(async () => {
  h = await startHarness(scenario, {
    // vLLM doubles it, TGI adds half: 6–12 s here, 10–20 min in production
    API_DEADLINE_SECONDS: '6',
    API_PROBE_INTERVAL_MS: '250',
    API_PROBE_TIMEOUT_MS: '1000',
    // metrics are asserted elsewhere; here they would only fill the test output
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
});

afterAll(async () => {
  await h?.stop();
});

let consumer = 0;

function post(offerId: string, extra: Record<string, unknown> = {}, consumerId?: string) {
  consumer += 1;
  return h.api<Record<string, unknown>>('POST', '/api/v1/sessions', {
    consumer_id: consumerId ?? `workload-test-${consumer}`,
    offer_id: offerId,
    workload_type: 'llm_vllm',
    reservation_hours: 1,
    auto_retry: false,
    ...extra,
  });
}

async function create(offerId: string, extra: Record<string, unknown> = {}) {
  const res = await post(offerId, extra);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return String((res.body['session'] as Record<string, unknown>)['id']);
}

function instancesOf(sessionId: string) {
  return [...h.runtime.sims.vastai!.instances(), ...h.runtime.sims.tensordock!.instances()].filter((i) =>
    i.label?.includes(sessionId),
  );
}

/** The instance as Vast.ai's API shows it (what the create body asked for). */
async function vastInstance(instanceId: string): Promise<Record<string, unknown>> {
  const sim = h.runtime.sims.vastai!;
  // the test shares the broker's key, so it keeps to the marketplace's show interval too: a 429 means wait and ask again
  for (let i = 0; ; i++) {
    const res = await fetch(`${sim.url}/instances/${instanceId}/`, { headers: { authorization: `Bearer ${sim.apiKey}` } });
    if (res.status !== 429 || i >= 20) return ((await res.json()) as { instances: Record<string, unknown> }).instances;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function events(id: string) {
  return (await h.api<{ events: Record<string, unknown>[] }>('GET', `/api/v1/sessions/${id}/events`)).body.events;
}

function execution(id: string) {
  return h.runtime.stepFunctions.allExecutions().find((e) => e.name === id && e.stateMachineArn.endsWith(':Provisioning'))!;
}

async function settledExecution(id: string) {
  for (let i = 0; i < 100 && execution(id)?.status === 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 100));
  return execution(id);
}

describe.concurrent('entrypoint workloads', { timeout: 90_000 }, () => {
  it('vLLM on Vast.ai: SSH first, then the server; running with an api_endpoint that answers', async () => {
    const id = await create(await h.offerId('RTX 5060 Ti'), {
      launch_mode: 'entrypoint',
      docker_image: VLLM,
      model_id: MODEL,
      exposed_ports: [8000],
    });
    const session = await h.waitFor(id, ['running', 'failed']);
    expect(session).toMatchObject({ status: 'running', launch_mode: 'entrypoint', docker_image: VLLM, model_id: MODEL, api_port: expect.any(Number) });
    expect(String(session['api_endpoint'])).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(session['ssh_host']).toBe('127.0.0.1');
    // the client appends /models to the endpoint
    const models = await fetch(`${String(session['api_endpoint'])}/models`);
    expect(models.status).toBe(200);
    expect(((await models.json()) as { data: { id: string }[] }).data[0]?.id).toBe(MODEL);

    // what Vast was asked for: the image, the published port, SSH kept, the server started on start
    const [instance] = instancesOf(id);
    const shown = await vastInstance(instance!.id);
    expect(shown['image_uuid']).toBe(VLLM);
    expect(shown['image_runtype']).toBe('ssh_direc ssh_proxy');
    expect(shown['extra_env']).toContainEqual(['-p 8000:8000', '1']);
    expect(String(shown['onstart'])).toContain('vllm.entrypoints.openai.api_server');
    expect(String(shown['onstart'])).toContain(`'--model' '${MODEL}'`);

    const timeline = (await events(id)).map((e) => e['type']);
    expect(timeline.indexOf('ssh_verified')).toBeLessThan(timeline.indexOf('api_ready'));
    expect(timeline).toEqual(expect.arrayContaining(['api_attempt', 'api_ready', 'running']));
    const exec = await settledExecution(id);
    expect(exec.status).toBe('SUCCEEDED');
    expect(exec.history.some((e) => e.type === 'TaskStateEntered' && e.stateName === 'VerifyApi')).toBe(true);
    expect(JSON.stringify(exec)).not.toContain('PRIVATE KEY');
  });

  it('a server that never answers: api_timeout, destroyed, refunded', async () => {
    const id = await create(await h.offerId('RTX 3090'), {
      launch_mode: 'entrypoint',
      docker_image: VLLM,
      model_id: MODEL,
    });
    const session = await h.waitFor(id, ['running', 'failed']);
    expect(session).toMatchObject({ status: 'failed', error_type: 'api_timeout', retry_suggested: true });
    expect(String(session['error'])).toContain('/v1/models');
    expect(session['api_endpoint']).toBeUndefined();
    expect(instancesOf(id)).toHaveLength(1);
    expect(instancesOf(id).filter((i) => i.gone === null)).toHaveLength(0);
    const costs = (await h.api<Record<string, number>>('GET', `/api/v1/costs?session_id=${id}`)).body;
    expect(costs['total_cost']).toBe(0);
    expect(costs['refund_count']).toBe(1);
    const timeline = (await events(id)).map((e) => e['type']);
    expect(timeline).toEqual(expect.arrayContaining(['ssh_verified', 'api_attempt', 'attempt_failed', 'instance_destroyed', 'refund_recorded', 'failed']));
    const exec = await settledExecution(id);
    expect(exec.status).toBe('FAILED');
    expect(exec.error).toBe('api_timeout');
  });

  it('a server that answers 503 forever is not up: api_timeout', async () => {
    const id = await create(await h.offerId('RTX A5000'), {
      launch_mode: 'entrypoint',
      docker_image: 'ghcr.io/acme/echo-server:1.2',
      exposed_ports: [9000],
      on_start_cmd: '/usr/local/bin/echo-server --port 9000 &',
    });
    const session = await h.waitFor(id, ['running', 'failed']);
    expect(session).toMatchObject({ status: 'failed', error_type: 'api_timeout' });
    const attempts = (await events(id)).filter((e) => e['type'] === 'api_attempt');
    expect(attempts.some((e) => e['class'] === 'http_error' && e['http_status'] === 503)).toBe(true);
  });

  it("an image the broker does not know runs its own entrypoint on Vast.ai, without SSH", async () => {
    const id = await create(await h.offerId('RTX 5060 Ti', 'vastai', 1), {
      launch_mode: 'entrypoint',
      docker_image: 'ghcr.io/acme/echo-server:1.2',
      exposed_ports: [9000],
    });
    const session = await h.waitFor(id, ['running', 'failed']);
    expect(session['status']).toBe('running');
    expect(session['ssh_host']).toBeUndefined();
    expect(String(session['api_endpoint'])).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${String(session['api_endpoint'])}/health`)).status).toBe(200);
    expect((await vastInstance(instancesOf(id)[0]!.id))['image_runtype']).toBe('args');
    expect((await events(id)).map((e) => e['type'])).toContain('ssh_skipped');
  });

  it('TGI on TensorDock: cloud-init runs the container on the VM; SSH and the server both verified', async () => {
    const id = await create(await h.offerId('RTX 4090', 'tensordock'), {
      launch_mode: 'entrypoint',
      docker_image: 'ghcr.io/huggingface/text-generation-inference:3.0',
      model_id: 'mistralai/Mistral-7B-Instruct-v0.3',
      quantization: 'AWQ',
      exposed_ports: [80],
    });
    const session = await h.waitFor(id, ['running', 'failed']);
    expect(session).toMatchObject({ status: 'running', quantization: 'awq', ssh_user: 'root' });
    const endpoint = String(session['api_endpoint']);
    expect(endpoint).toMatch(/\/v1$/);
    const models = (await (await fetch(`${endpoint}/models`)).json()) as { data: { id: string }[] };
    expect(models.data[0]?.id).toBe('mistralai/Mistral-7B-Instruct-v0.3');
    // 7B at AWQ: 3.9 GB of weights, the recommended disk covers them, the image and the download
    expect(session['disk_source']).toBe('estimate');
    expect(session['disk_gb']).toBe(35);
  });
});

describe.concurrent('disk sizing before anything is written', { timeout: 90_000 }, () => {
  it('refuses a disk below the minimum with the estimate, writes nothing, and the same offer stays free', async () => {
    const offerId = await h.offerId('A100 SXM');
    const consumerId = `disk-test-${Date.now()}`;
    const refused = await post(
      offerId,
      { launch_mode: 'entrypoint', docker_image: VLLM, model_id: 'meta-llama/Llama-3.1-70B-Instruct', disk_gb: 100 },
      consumerId,
    );
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error_type: 'insufficient_disk',
      requested_gb: 100,
      minimum_gb: 235,
      recommended_gb: 285,
      breakdown: { model_params_billion: 70, bytes_per_param: 2, weights_gb: 140, image_gb: 20 },
    });
    const listed = await h.api<{ sessions: unknown[] }>('GET', `/api/v1/sessions?consumer_id=${consumerId}`);
    expect(listed.body.sessions).toHaveLength(0);
    expect(instancesOf(consumerId)).toHaveLength(0);

    // no lock was left behind: the same consumer gets the same offer at once (never 409)
    const accepted = await post(offerId, { launch_mode: 'entrypoint', docker_image: VLLM, model_id: 'meta-llama/Llama-3.1-70B-Instruct' }, consumerId);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
    const session = accepted.body['session'] as Record<string, unknown>;
    expect(session).toMatchObject({ disk_gb: 285, disk_source: 'estimate', disk_estimate: { minimum_gb: 235, recommended_gb: 285 } });
    await h.api('DELETE', `/api/v1/sessions/${String(session['id'])}`);
  });

  it('a template session takes the template disk floor, image and name, and keeps SSH', async () => {
    const id = await create(await h.offerId('RTX 4090', 'vastai', 1), { template_hash_id: CUDA_TEMPLATE, workload_type: 'training' });
    const session = await h.waitFor(id, ['running', 'failed']);
    expect(session).toMatchObject({
      status: 'running',
      launch_mode: 'ssh',
      template_hash_id: CUDA_TEMPLATE,
      template_name: 'NVIDIA CUDA',
      docker_image: 'nvidia/cuda:12.6.3-runtime-ubuntu22.04',
      disk_gb: 32,
      disk_source: 'estimate',
    });
    const shown = await vastInstance(instancesOf(id)[0]!.id);
    // the template's own runtype (vast-ai CLI (vast.py) create instance sends none with a template), not a forced ssh_proxy
    expect(shown).toMatchObject({ template_hash_id: CUDA_TEMPLATE, disk_space: 32, image_runtype: 'ssh' });
  });
});

describe('templates', () => {
  it('lists the stored catalog with filters, and answers one template or a 404', async () => {
    const all = await h.api<{ templates: { hash_id: string; name: string }[]; count: number; catalog: Record<string, unknown> }>(
      'GET',
      '/api/v1/templates',
    );
    expect(all.status).toBe(200);
    // only recommended templates are fetched
    expect(all.body.count).toBe(4);
    expect(all.body.catalog).toMatchObject({ provider: 'vastai', status: 'ok' });
    const byName = await h.api<{ templates: { hash_id: string }[] }>('GET', '/api/v1/templates?name=VLLM');
    expect(byName.body.templates.map((t) => t.hash_id)).toEqual([VLLM_TEMPLATE]);
    const byImage = await h.api<{ templates: { name: string }[] }>('GET', '/api/v1/templates?image=huggingface');
    expect(byImage.body.templates.map((t) => t.name)).toEqual(['Text Generation Inference']);
    expect((await h.api<{ count: number }>('GET', '/api/v1/templates?recommended=false')).body.count).toBe(0);
    expect((await h.api('GET', '/api/v1/templates?recommended=maybe')).status).toBe(400);

    const one = await h.api<Record<string, unknown>>('GET', `/api/v1/templates/${TGI_TEMPLATE}`);
    expect(one.body).toMatchObject({ hash_id: TGI_TEMPLATE, recommended_disk_space: 60, exposed_ports: [80] });
    const missing = await h.api('GET', '/api/v1/templates/ffffffffffffffffffffffffffffffff');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error_type: 'not_found' });
  });

  it("matches templates against an offer's properties; a TensorDock offer has none", async () => {
    const small = await h.api<{ templates: { hash_id: string }[]; incompatible: { hash_id: string; mismatches: { field: string }[] }[] }>(
      'GET',
      `/api/v1/inventory/${await h.offerId('RTX 5060 Ti')}/compatible-templates?include_incompatible=true`,
    );
    expect(small.status).toBe(200);
    const ids = small.body.templates.map((t) => t.hash_id);
    expect(ids).toContain(VLLM_TEMPLATE);
    expect(ids).not.toContain(TGI_TEMPLATE);
    expect(small.body.incompatible.find((t) => t.hash_id === TGI_TEMPLATE)?.mismatches.map((m) => m.field)).toEqual(['gpu_ram']);

    const old = await h.api<{ templates: { hash_id: string }[] }>('GET', `/api/v1/inventory/${await h.offerId('A100 SXM')}/compatible-templates`);
    expect(old.body.templates.map((t) => t.hash_id)).not.toContain(CUDA_TEMPLATE); // CUDA 11.8 < 12.6

    const td = await h.api<Record<string, unknown>>('GET', `/api/v1/inventory/${await h.offerId('RTX 4090', 'tensordock')}/compatible-templates`);
    expect(td.body).toMatchObject({ provider: 'tensordock', templates: [], count: 0, note: expect.stringContaining('Vast.ai') });
    expect((await h.api('GET', '/api/v1/inventory/vastai-1/compatible-templates')).status).toBe(404);
  });

  it('filters inventory by template: Vast.ai offers that meet its CUDA and VRAM requirements', async () => {
    const res = await h.api<{ offers: { provider: string; vram_gb: number; cuda_version: number; gpu_type: string }[] }>(
      'GET',
      `/api/v1/inventory?template_hash_id=${TGI_TEMPLATE}&limit=1000`,
    );
    expect(res.status).toBe(200);
    expect(res.body.offers.length).toBeGreaterThan(0);
    for (const o of res.body.offers) {
      expect(o.provider).toBe('vastai');
      expect(o.vram_gb).toBeGreaterThanOrEqual(23);
      expect(o.cuda_version).toBeGreaterThanOrEqual(12.2);
    }
    expect(res.body.offers.map((o) => o.gpu_type)).not.toContain('RTX 5060 Ti');
    expect((await h.api('GET', '/api/v1/inventory?template_hash_id=ffffffffffffffffffffffffffffffff')).status).toBe(404);
  });

  it('refuses a template on TensorDock before anything is written', async () => {
    const res = await post(await h.offerId('RTX 4090', 'tensordock'), { template_hash_id: VLLM_TEMPLATE });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'unsupported_for_provider', field: 'template_hash_id' });
  });
});
