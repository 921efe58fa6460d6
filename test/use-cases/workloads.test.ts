// Workload use cases on DynamoDB Local and fakes of the outside world, on a virtual clock: what a session stores,
// what each attempt asks the provider for, and how the API phase follows SSH.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors.ts';
import type { Template } from '../../shared/domain/template.ts';
import { sessionView } from '../../shared/http/session-view.ts';
import { beginProvisioning } from '../../shared/use-cases/provisioning/begin-provisioning.ts';
import { chooseRetryOffer } from '../../shared/use-cases/provisioning/choose-retry-offer.ts';
import { createInstance } from '../../shared/use-cases/provisioning/create-instance.ts';
import { verifyApi } from '../../shared/use-cases/provisioning/verify-api.ts';
import { verifySsh } from '../../shared/use-cases/provisioning/verify-ssh.ts';
import { createSession, type CreateSessionRequest } from '../../shared/use-cases/sessions/create-session.ts';
import type { ApiProbeScript } from '../fakes/fake-api-prober.ts';
import { offer } from '../fakes/fake-inventory.ts';
import { provisioningHarness } from '../support/provisioning-harness.ts';

const VAST = offer({ id: 'vastai-201', gpu_type: 'RTX 4090', vram_gb: 24, gpu_count: 2, host_id: 'vastai-machine-1' });
const VAST_TWIN = offer({ id: 'vastai-202', gpu_type: 'RTX 4090', vram_gb: 24, gpu_count: 2, host_id: 'vastai-machine-2' });
const TD = offer({ id: 'tensordock-0d4c2b9e-1111-4222-8333-944455556666-geforcertx4090-pcie-24gb', provider: 'tensordock', gpu_type: 'RTX 4090', vram_gb: 24 });

const VLLM = { launch_mode: 'entrypoint' as const, docker_image: 'vllm/vllm-openai:latest', model_id: 'org/model-8b' };

type H = Awaited<ReturnType<typeof provisioningHarness>>;

async function harness(apiProbe?: ApiProbeScript) {
  return provisioningHarness({ offers: [VAST, VAST_TWIN, TD], probe: () => 'ok', apiProbe });
}

async function start(h: H, over: Partial<CreateSessionRequest> = {}) {
  const { session } = await createSession(h.createDeps, h.request(over));
  const state = await beginProvisioning(h.deps, { session_id: session.id });
  return { id: session.id, state };
}

async function sshThenApi(h: H, state: { session_id: string; attempt: number }) {
  for (let round = 0; round < 100; round++) {
    const r = await verifySsh(h.deps, state);
    if (r.ready) {
      if (!r.verify_api) return r;
      for (let apiRound = 0; apiRound < 1000; apiRound++) {
        const a = await verifyApi(h.deps, state);
        if (a.ready) return a;
        await h.clock.sleep(a.wait_seconds * 1000);
      }
      throw new Error('API verification never finished');
    }
    await h.clock.sleep(r.wait_seconds * 1000);
  }
  throw new Error('SSH verification never finished');
}

describe('creating a workload session', () => {
  it('stores the planned workload and shows nothing of the on-start command', async () => {
    const h = await harness();
    const { session } = await createSession(h.createDeps, h.request({ workload: { ...VLLM, on_start_cmd: 'HF_TOKEN=hf_secret serve &' } }));
    expect(session.workload).toMatchObject({
      launch_mode: 'entrypoint',
      docker_image: 'vllm/vllm-openai:latest',
      model_id: 'org/model-8b',
      disk_gb: 60,
      disk_source: 'estimate',
      api: { port: 8000, health_path: '/v1/models' },
    });
    expect((await h.sessions.get(session.id))?.workload).toEqual(session.workload);
    const view = sessionView(session);
    expect(view).toMatchObject({ launch_mode: 'entrypoint', model_id: 'org/model-8b', disk_gb: 60, on_start_cmd_set: true });
    expect(JSON.stringify(view)).not.toContain('hf_secret');
  });

  it('refuses too small a disk before anything is written: no session, no lock, no execution, no 409 after', async () => {
    const h = await harness();
    const err = await createSession(h.createDeps, h.request({ workload: { ...VLLM, model_id: 'org/model-70b', disk_gb: 80 } })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).errorType).toBe('insufficient_disk');
    expect((err as ValidationError).details).toMatchObject({ requested_gb: 80, minimum_gb: 235 });
    expect((await h.sessions.list({ limit: 10 })).sessions).toEqual([]);
    expect(h.workflows.started).toEqual([]);
    expect(await h.events.list('any')).toEqual([]);
    // the consumer+offer lock was never taken
    const retried = await createSession(h.createDeps, h.request({ workload: { ...VLLM, model_id: 'org/model-70b', disk_gb: 240 } }));
    expect(retried.session.workload?.disk_gb).toBe(240);
  });

  it('refuses an API workload on a proxy-only Vast.ai host before anything is written; SSH-only is fine there', async () => {
    const proxy = offer({ id: 'vastai-299', gpu_type: 'RTX 4090', vram_gb: 24, gpu_count: 2, direct_port_count: 0 });
    const h = await provisioningHarness({ offers: [proxy, VAST], probe: () => 'ok' });
    const err = await createSession(h.createDeps, h.request({ offer_id: proxy.id, workload: VLLM })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).errorType).toBe('offer_lacks_direct_ports');
    expect((await h.sessions.list({ limit: 10 })).sessions).toEqual([]);
    expect(h.workflows.started).toEqual([]);
    expect(h.vast.instances).toEqual([]);
    const ssh = await createSession(h.createDeps, h.request({ offer_id: proxy.id }));
    expect(ssh.session.offer_id).toBe(proxy.id);
  });

  it('a retry of an API workload skips proxy-only Vast.ai hosts', async () => {
    const proxy = offer({ id: 'vastai-203', gpu_type: 'RTX 4090', vram_gb: 24, gpu_count: 2, host_id: 'vastai-machine-3', direct_port_count: 0 });
    const h = await provisioningHarness({ offers: [VAST, proxy], probe: () => 'ok' });
    const { id, state } = await start(h, { workload: VLLM });
    await createInstance(h.deps, state);
    await h.sessions.apply(id, (s) => ({
      attempts: s.attempts.map((a) => ({ ...a, outcome: 'failed' as const, error_type: 'api_timeout' as const })),
    }));
    expect(await chooseRetryOffer(h.deps, { ...state, failure_type: 'api_timeout' })).toMatchObject({ retry: false });
    h.inventory.add(VAST_TWIN);
    expect(await chooseRetryOffer(h.deps, { ...state, failure_type: 'api_timeout' })).toMatchObject({ retry: true, attempt: 2 });
    expect((await h.sessions.get(id))?.attempts.at(-1)?.offer_id).toBe(VAST_TWIN.id);
  });

  it('uses a known template for the disk floor and passes an unknown one on as is', async () => {
    const h = await harness();
    const template: Template = {
      hash_id: 'aaaabbbbccccddddeeeeffff00001111',
      name: 'Big base',
      image: 'acme/base',
      tag: '2',
      recommended: true,
      recommended_disk_space: 120,
      extra_filters: {},
    };
    const deps = { ...h.createDeps, templates: { find: async (hash: string) => (hash === template.hash_id ? template : undefined) } };
    const known = await createSession(deps, h.request({ workload: { launch_mode: 'ssh', template_hash_id: template.hash_id } }));
    expect(known.session.workload).toMatchObject({ template_name: 'Big base', docker_image: 'acme/base:2', disk_gb: 120 });
    const unknown = await createSession(
      { ...deps, templates: { find: async () => Promise.reject(new Error('catalog unreadable')) } },
      h.request({ consumer_id: 'team-b', workload: { launch_mode: 'ssh', template_hash_id: 'ffffeeeeddddccccbbbbaaaa99998888' } }),
    );
    expect(unknown.session.workload).toMatchObject({ template_hash_id: 'ffffeeeeddddccccbbbbaaaa99998888', disk_gb: 50, disk_source: 'default' });
    expect(unknown.session.workload?.template_name).toBeUndefined();
  });
});

describe('provisioning a workload', () => {
  it('asks the provider for the image, disk, published port and the server command, sharded over the GPUs', async () => {
    const h = await harness();
    const { state } = await start(h, { workload: VLLM });
    await createInstance(h.deps, state);
    const request = h.vast.instances[0]!.request;
    expect(request).toMatchObject({
      image: 'vllm/vllm-openai:latest',
      disk_gb: 60,
      exposed_ports: [8000],
      launch_mode: 'entrypoint',
      ssh: true,
    });
    expect(request.server_command).toEqual(expect.arrayContaining(['--model', 'org/model-8b', '--tensor-parallel-size', '2']));
    // SSH budget for a vLLM image: 1.5 × the 10 min default
    const session = await h.sessions.get(state.session_id);
    expect(Date.parse(session!.verification!.deadline_at) - Date.parse(session!.verification!.started_at)).toBe(15 * 60_000);
  });

  it('SSH hands over to the API phase; running only once the server answers, with its endpoint', async () => {
    let up = Number.POSITIVE_INFINITY;
    const h = await harness((_url, now) => (now.getTime() >= up ? 'ok' : 'refused'));
    const { id, state } = await start(h, { workload: VLLM });
    await createInstance(h.deps, state);
    h.vast.setStatus(h.vast.instances[0]!.id, 'running', 'running');
    const ssh = await verifySsh(h.deps, state);
    expect(ssh).toMatchObject({ ready: true, verify_api: true });
    const handed = await h.sessions.get(id);
    expect(handed).toMatchObject({ status: 'provisioning', phase: 'verifying_api', ssh: { host: '127.0.0.1' } });
    expect(handed?.api_verification?.deadline_source).toBe('default');
    // billing waits for usability
    expect((await h.costs.forSession(id))[0]?.reached_running).toBeFalsy();

    up = h.clock.now().getTime() + 90_000;
    const result = await sshThenApi(h, state);
    expect(result.ready).toBe(true);
    const session = await h.sessions.get(id);
    expect(session).toMatchObject({
      status: 'running',
      phase: 'ready',
      api: { endpoint: 'http://127.0.0.1:38000/v1', port: 38_000, container_port: 8000 },
    });
    expect(session?.api_verification?.duration_ms).toBeGreaterThanOrEqual(90_000);
    expect(h.apiProber.probes.at(-1)?.url).toBe('http://127.0.0.1:38000/v1/models');
    expect((await h.costs.forSession(id))[0]?.reached_running).toBe(true);
    const types = (await h.events.list(id)).map((e) => e.type);
    expect(types.filter((t) => t === 'running')).toHaveLength(1);
    expect(types.indexOf('ssh_verified')).toBeLessThan(types.indexOf('api_ready'));
  });

  it('fails with ApiTimeoutError at the image-aware deadline, measured from the API phase', async () => {
    const h = await harness(() => ({ class: 'http_error', status: 503 }));
    const { state } = await start(h, { workload: VLLM });
    await createInstance(h.deps, state);
    h.vast.setStatus(h.vast.instances[0]!.id, 'running', 'running');
    await verifySsh(h.deps, state);
    const began = h.clock.now().getTime();
    const err = await sshThenApi(h, state).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ApiTimeoutError', failureType: 'api_timeout' });
    expect(String((err as Error).message)).toContain('http_error 503');
    const elapsed = h.clock.now().getTime() - began;
    // vLLM: twice the 10 min default
    expect(elapsed).toBeGreaterThanOrEqual(20 * 60_000);
    expect(elapsed).toBeLessThan(20 * 60_000 + 15_000);
  });

  it('honours api_timeout_minutes, and fails fast when the provider reports the instance stopped', async () => {
    const h = await harness(() => 'refused');
    const { state } = await start(h, { workload: { ...VLLM, api_timeout_minutes: 2 } });
    await createInstance(h.deps, state);
    h.vast.setStatus(h.vast.instances[0]!.id, 'running', 'running');
    await verifySsh(h.deps, state);
    const began = h.clock.now().getTime();
    await expect(sshThenApi(h, state)).rejects.toMatchObject({ name: 'ApiTimeoutError' });
    expect(h.clock.now().getTime() - began).toBeLessThan(2 * 60_000 + 15_000);

    const h2 = await harness(() => 'refused');
    const second = await start(h2, { workload: VLLM });
    await createInstance(h2.deps, second.state);
    h2.vast.setStatus(h2.vast.instances[0]!.id, 'running', 'running');
    await verifySsh(h2.deps, second.state);
    h2.vast.setStatus(h2.vast.instances[0]!.id, 'stopped', 'exited');
    await expect(sshThenApi(h2, second.state)).rejects.toMatchObject({ name: 'InstanceStoppedError' });
  });

  it('an image without SSH goes straight to the API phase', async () => {
    const h = await harness(() => 'ok');
    const { id, state } = await start(h, {
      workload: { launch_mode: 'entrypoint', docker_image: 'acme/server:1', exposed_ports: [9000] },
    });
    await createInstance(h.deps, state);
    expect(h.vast.instances[0]!.request.ssh).toBe(false);
    const ssh = await verifySsh(h.deps, state);
    expect(ssh).toMatchObject({ ready: true, verify_api: true });
    expect(h.prober.probes).toHaveLength(0);
    await sshThenApi(h, state);
    const session = await h.sessions.get(id);
    expect(session).toMatchObject({ status: 'running', api: { endpoint: 'http://127.0.0.1:39000' } });
    expect(session?.ssh).toBeUndefined();
    expect((await h.events.list(id)).map((e) => e.type)).toContain('ssh_skipped');
  });

  it('a retry clears the failed attempt’s endpoints and stays on providers that can run the workload', async () => {
    const h = await provisioningHarness({ offers: [VAST, TD], probe: () => 'ok' });
    const { id, state } = await start(h, { workload: { launch_mode: 'ssh', docker_image: 'pytorch/pytorch:2.4' }, retry_scope: 'any' });
    await createInstance(h.deps, state);
    h.vast.setStatus(h.vast.instances[0]!.id, 'running', 'running');
    await h.sessions.apply(id, () => ({ ssh: { host: '10.0.0.1', port: 22, user: 'root' } }));
    await h.sessions.apply(id, (s) => ({
      attempts: s.attempts.map((a) => ({ ...a, outcome: 'failed' as const, error_type: 'ssh_timeout' as const })),
    }));
    // a docker image in SSH mode needs Vast.ai: the comparable TensorDock offer is not a candidate
    expect(await chooseRetryOffer(h.deps, { ...state, failure_type: 'ssh_timeout' })).toMatchObject({ retry: false });
    h.inventory.add(VAST_TWIN);
    expect(await chooseRetryOffer(h.deps, { ...state, failure_type: 'ssh_timeout' })).toMatchObject({ retry: true, attempt: 2 });
    const session = await h.sessions.get(id);
    expect(session?.attempts.at(-1)?.offer_id).toBe(VAST_TWIN.id);
    expect(session?.ssh).toBeUndefined();
    expect(session?.api_verification).toBeUndefined();
  });
});
