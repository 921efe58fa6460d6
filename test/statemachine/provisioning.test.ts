// The real provisioning and teardown state machines, executed locally against the simulated marketplaces (real
// HTTP, real SSH servers), one scenario per field-report failure mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../local/sim/scenario.ts';
import { type Harness, startHarness } from '../support/runtime-harness.ts';
import { sshExec } from '../support/ssh-exec.ts';

const scenario: ScenarioInput = {
  vastai: {
    defaults: { boot_seconds: 1, ssh: 'ok' },
    hosts: {
      slow: { boot_seconds: 4 },
      silent: { ssh: 'never' },
      stopper: { boot_seconds: 30, stop_after_seconds: 2 },
      vanisher: { boot_seconds: 30, vanish_after_seconds: 2 },
      locked: { ssh: 'reject_auth' },
    },
    offers: [
      { gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US', count: 4 },
      { gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'Oregon, US', host: 'slow' },
      { gpu: 'RTX 3090', vram_gb: 24, price: 0.06, location: 'Quebec, CA', host: 'silent', count: 2 },
      { gpu: 'RTX 3090', vram_gb: 24, price: 0.065, location: 'Ohio, US' },
      { gpu: 'RTX A5000', vram_gb: 24, price: 0.2, location: 'Utah, US', host: 'stopper' },
      { gpu: 'A100 SXM4', vram_gb: 80, price: 1.0, location: 'Iowa, US', host: 'vanisher' },
      { gpu: 'H100 SXM', vram_gb: 80, price: 2.0, location: 'Nevada, US', host: 'locked' },
      { gpu: 'L40S', vram_gb: 48, price: 0.8, location: 'Ohio, US', unavailable: true },
    ],
  },
  tensordock: {
    defaults: { boot_seconds: 1 },
    ip_delay_seconds: 0.2,
    // every create is carried out but its answer is lost: the create task must find its instance by label
    lost_create_response_probability: 1,
    offers: [
      {
        gpu: 'NVIDIA GeForce RTX 4090 PCIe 24GB',
        vram_gb: 24,
        price: 0.4,
        location: 'Chubbuck, Idaho, United States',
        tier: 3,
      },
    ],
  },
};

let h: Harness;
const emf: Record<string, unknown>[] = [];
let restoreStdout: () => void;

beforeAll(async () => {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = String(chunk);
    if (text.includes('"_aws"')) {
      for (const line of text.split('\n').filter(Boolean)) emf.push(JSON.parse(line));
      return true; // captured, not printed
    }
    return (write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  restoreStdout = () => {
    process.stdout.write = write;
  };
  h = await startHarness(scenario);
});

afterAll(async () => {
  restoreStdout?.();
  await h?.stop();
});

let consumer = 0;

async function create(offerId: string, extra: Record<string, unknown> = {}) {
  consumer += 1;
  const res = await h.api<{ session: Record<string, unknown>; ssh_private_key: string }>('POST', '/api/v1/sessions', {
    consumer_id: `sfn-test-${consumer}`,
    offer_id: offerId,
    workload_type: 'llm',
    reservation_hours: 1,
    auto_retry: false,
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: String(res.body.session['id']), key: res.body.ssh_private_key };
}

function sshEcho(session: Record<string, unknown>, key: string): Promise<string> {
  const target = { host: String(session['ssh_host']), port: Number(session['ssh_port']), user: String(session['ssh_user']) };
  return sshExec(target, key);
}

function liveInstancesOf(sessionId: string) {
  return h.runtime.sims.vastai!.instances().concat(h.runtime.sims.tensordock!.instances())
    .filter((i) => i.label?.includes(sessionId) && i.gone === null);
}

function instancesOf(sessionId: string) {
  return h.runtime.sims.vastai!.instances().concat(h.runtime.sims.tensordock!.instances())
    .filter((i) => i.label?.includes(sessionId));
}

async function events(id: string) {
  return (await h.api<{ events: Record<string, unknown>[] }>('GET', `/api/v1/sessions/${id}/events`)).body.events;
}

function execution(id: string, machine = 'Provisioning') {
  return h.runtime.stepFunctions.allExecutions().find((e) => e.name === id && e.stateMachineArn.endsWith(`:${machine}`))!;
}

async function settledExecution(id: string, machine = 'Provisioning') {
  for (let i = 0; i < 300 && execution(id, machine)?.status === 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 100));
  return execution(id, machine);
}

describe.concurrent('provisioning state machine against the simulated marketplaces', () => {
  it('fast boot: running with a verified SSH endpoint that accepts the session key', async () => {
    const { id, key } = await create(await h.offerId('RTX 5060 Ti'));
    const session = await h.waitFor(id, ['running', 'failed']);
    expect(session).toMatchObject({ status: 'running', phase: 'ready', ssh_user: 'root' });
    expect(String(session['host_key_fingerprint'])).toMatch(/^SHA256:/);
    expect(await sshEcho(session, key)).toBe('ok');
    expect(liveInstancesOf(id)).toHaveLength(1);
    const exec = await settledExecution(id);
    expect(exec.status).toBe('SUCCEEDED');
    const transitions = exec.history.filter((e) => e.type.endsWith('StateEntered')).length;
    expect(transitions).toBeLessThanOrEqual(12);
    const timeline = (await events(id)).map((e) => e['type']);
    expect(timeline).toEqual(expect.arrayContaining(['instance_created', 'ssh_attempt', 'ssh_verified', 'running']));
  });

  it('slow boot: keeps probing, classifies the refusals, and becomes running after the boot', async () => {
    const { id } = await create(await h.offerId('RTX 4090'));
    const session = await h.waitFor(id, ['running', 'failed']);
    expect(session['status']).toBe('running');
    expect((session['verification'] as { duration_ms: number }).duration_ms).toBeGreaterThanOrEqual(2500);
    const attempts = (await events(id)).filter((e) => e['type'] === 'ssh_attempt');
    expect(attempts.some((e) => e['class'] === 'refused')).toBe(true);
    expect(attempts.at(-1)).toMatchObject({ class: 'ok', stage: 'login' });
  });

  it('SSH never comes up (the field report RTX 3090): destroyed, confirmed gone, refunded, metric emitted, failed', async () => {
    const { id } = await create(await h.offerId('RTX 3090'));
    const session = await h.waitFor(id, ['failed', 'running']);
    expect(session).toMatchObject({ status: 'failed', error_type: 'ssh_timeout', retry_suggested: true });
    expect(instancesOf(id)).toHaveLength(1);
    expect(liveInstancesOf(id)).toHaveLength(0);
    const costs = (await h.api<Record<string, number>>('GET', `/api/v1/costs?session_id=${id}`)).body;
    expect(costs['total_cost']).toBe(0);
    expect(costs['refunded']).toBeGreaterThan(0);
    expect(costs['refund_count']).toBe(1);
    const timeline = (await events(id)).map((e) => e['type']);
    expect(timeline).toEqual(expect.arrayContaining(['attempt_failed', 'instance_destroyed', 'refund_recorded', 'failed']));
    const attempts = (await events(id)).filter((e) => e['type'] === 'ssh_attempt');
    // the port answers TCP but never an SSH banner: classified as such, never as an auth failure
    expect(attempts.some((e) => e['class'] === 'no_banner')).toBe(true);
    expect(attempts.every((e) => e['class'] === 'no_banner' || e['class'] === 'refused')).toBe(true);
    expect(emf.some((m) => m['SshVerificationFailed'] === 1 && m['failure_class'] === 'ssh_timeout' && m['gpu_type'] === 'RTX 3090')).toBe(true);
    const exec = await settledExecution(id);
    expect(exec.status).toBe('FAILED');
    expect(exec.error).toBe('ssh_timeout');
    // ids only in the execution's input and history: no key material
    expect(JSON.stringify(exec)).not.toContain('PRIVATE KEY');
  });

  it('SSH never comes up, auto-retry on: the same session retries on a comparable offer and runs', async () => {
    const { id, key } = await create(await h.offerId('RTX 3090', 'vastai', 1), { auto_retry: true, max_retries: 2 });
    const session = await h.waitFor(id, ['running', 'failed']);
    expect(session['status']).toBe('running');
    const attempts = session['attempts'] as Record<string, unknown>[];
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts[0]).toMatchObject({ outcome: 'failed', error_type: 'ssh_timeout' });
    expect(attempts.at(-1)).toMatchObject({ outcome: 'running' });
    expect(session['retry_count']).toBe(attempts.length - 1);
    expect(await sshEcho(session, key)).toBe('ok');
    expect(liveInstancesOf(id)).toHaveLength(1);
    const costs = (await h.api<Record<string, number>>('GET', `/api/v1/costs?session_id=${id}`)).body;
    expect(costs['refund_count']).toBe(attempts.length - 1);
  });

  it('offer gone at create: nothing was made, the session fails with stale_inventory', async () => {
    const { id } = await create(await h.offerId('L40S'));
    const session = await h.waitFor(id, ['failed', 'running']);
    expect(session).toMatchObject({ status: 'failed', error_type: 'stale_inventory' });
    expect(instancesOf(id)).toHaveLength(0);
  });

  it('instance stops while booting: fails fast with instance_stopped, destroyed', async () => {
    const { id } = await create(await h.offerId('RTX A5000'));
    const session = await h.waitFor(id, ['failed', 'running']);
    expect(session).toMatchObject({ status: 'failed', error_type: 'instance_stopped' });
    expect(liveInstancesOf(id)).toHaveLength(0);
    const verification = session['verification'] as { started_at: string } | undefined;
    expect(Date.parse(String(session['stopped_at'])) - Date.parse(verification?.started_at ?? String(session['created_at']))).toBeLessThan(8000);
  });

  it('instance vanishes: fails with instance_vanished', async () => {
    const { id } = await create(await h.offerId('A100 SXM'));
    const session = await h.waitFor(id, ['failed', 'running']);
    expect(session).toMatchObject({ status: 'failed', error_type: 'instance_vanished' });
    expect(liveInstancesOf(id)).toHaveLength(0);
  });

  it('key rejected again and again: fails with auth_rejected (not a timeout)', async () => {
    const { id } = await create(await h.offerId('H100 SXM'));
    const session = await h.waitFor(id, ['failed', 'running']);
    expect(session).toMatchObject({ status: 'failed', error_type: 'auth_rejected' });
    expect(liveInstancesOf(id)).toHaveLength(0);
  });

  it('a create whose answer is lost makes no second instance: the retry finds it by label', async () => {
    const { id, key } = await create(await h.offerId('RTX 4090', 'tensordock'));
    const session = await h.waitFor(id, ['running', 'failed']);
    expect(session['status']).toBe('running');
    expect(instancesOf(id)).toHaveLength(1);
    expect(await sshEcho(session, key)).toBe('ok');
  });

  it('DELETE while provisioning: teardown stops it and leaves no instance at the provider', async () => {
    const { id } = await create(await h.offerId('RTX 4090'));
    await new Promise((r) => setTimeout(r, 300));
    const deleted = await h.api('DELETE', `/api/v1/sessions/${id}`);
    expect(deleted.status).toBe(202);
    const session = await h.waitFor(id, ['stopped', 'failed']);
    expect(session['status']).toBe('stopped');
    expect(liveInstancesOf(id)).toHaveLength(0);
    expect((await settledExecution(id, 'Teardown')).status).toBe('SUCCEEDED');
    expect(['ABORTED', 'SUCCEEDED']).toContain((await settledExecution(id)).status);
  });
});

describe('a task crash between steps', () => {
  it('CreateInstance dies after creating and recording, before answering: no second instance, running', async () => {
    let crashes = 1;
    h.runtime.lambdas.faults = {
      crashAfter: (fn) => fn === 'CreateInstance' && crashes-- > 0,
    };
    try {
      const { id } = await create(await h.offerId('RTX 5060 Ti', 'vastai', 1));
      const session = await h.waitFor(id, ['running', 'failed']);
      expect(session['status']).toBe('running');
      expect(instancesOf(id)).toHaveLength(1);
      expect(execution(id).history.some((e) => e.type === 'TaskRetried' && e.stateName === 'CreateInstance')).toBe(true);
    } finally {
      h.runtime.lambdas.faults = {};
    }
  });
});
