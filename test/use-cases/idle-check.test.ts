// The idle check's rules on DynamoDB Local, with our own fake of the SSH command port: an active sample resets the
// stretch, the warning comes before the stop (also when a check comes late), and an unreadable host says nothing.
import { describe, expect, it } from 'vitest';
import { runSimCommand } from '../../local/sim/shell.ts';
import type { ConsumerEvent } from '../../shared/ports/consumer-events.ts';
import type { SshCommandRunner } from '../../shared/ports/ssh-command.ts';
import { checkIdleSessions } from '../../shared/use-cases/sessions/idle-check.ts';
import { createSession } from '../../shared/use-cases/sessions/create-session.ts';
import { offer } from '../fakes/fake-inventory.ts';
import { provisioningHarness } from '../support/provisioning-harness.ts';

const OFFER = offer({ id: 'vastai-701', price_per_hour: 0.1 });
const machine = { hostname: 'C.1', gpuName: 'NVIDIA GeForce RTX 5060 Ti', gpuCount: 1, vramMiB: 16000, diskGb: 50, cudaVersion: 12.8, gpuUtil: 0, logins: 0 };

async function setup() {
  const h = await provisioningHarness({ offers: [OFFER] });
  const state = { busy: false, broken: false, commands: [] as string[], fingerprints: [] as (string | undefined)[] };
  const ssh: SshCommandRunner = {
    async run(_target, key, command, options) {
      if (state.broken) throw new Error('SSH failed: connect ECONNREFUSED');
      expect(key).toContain('PRIVATE KEY');
      state.commands.push(command);
      state.fingerprints.push(options.hostKeyFingerprint);
      return { code: 0, stdout: runSimCommand(command, { ...machine, gpuUtil: state.busy ? 70 : 0 }).stdout };
    },
  };
  const events: ConsumerEvent[] = [];
  const deps = { ...h.teardownDeps, cipher: h.deps.cipher, ssh, timeoutMs: 1000, bus: { publish: async (e: ConsumerEvent[]) => void events.push(...e) } };
  const { session } = await createSession(h.createDeps, { ...h.request({ reservation_hours: 3 }), idle_stop_minutes: 30 });
  await h.sessions.apply(session.id, () => ({ status: 'running', phase: 'ready', ssh: { host: '10.0.0.9', port: 22, user: 'root' }, host_key_fingerprint: 'SHA256:host' }));
  return { h, deps, state, events, id: session.id };
}

describe('idle check', () => {
  it('resets on activity, warns before it stops, stops through the teardown, and never on an unreadable host', async () => {
    const { h, deps, state, events, id } = await setup();
    expect(await checkIdleSessions(deps)).toMatchObject({ checked: 1, idle: 1 });
    expect(state.fingerprints).toEqual(['SHA256:host']);
    h.clock.advance(15 * 60_000);
    state.busy = true;
    await checkIdleSessions(deps);
    expect((await h.sessions.get(id))?.idle_since).toBeUndefined();
    state.busy = false;
    await checkIdleSessions(deps); // a new idle stretch starts here
    h.clock.advance(25 * 60_000);
    state.broken = true;
    expect(await checkIdleSessions(deps)).toMatchObject({ unknown: 1, stopped: 0 });
    state.broken = false;
    // 25 min idle of 30: within the 10-minute warning
    expect(await checkIdleSessions(deps)).toMatchObject({ warned: 1, stopped: 0 });
    expect(events).toEqual([expect.objectContaining({ type: 'session.expiring', session_id: id, detail: expect.objectContaining({ reason: 'idle' }) })]);
    h.clock.advance(5 * 60_000);
    expect(await checkIdleSessions(deps)).toMatchObject({ stopped: 1 });
    expect(await h.sessions.get(id)).toMatchObject({ status: 'stopping', ended_reason: 'idle' });
    expect(h.workflows.teardowns).toEqual([id]);
  });

  it('a check that comes after the window warns first and stops the next time', async () => {
    const { h, deps, events, id } = await setup();
    await checkIdleSessions(deps);
    h.clock.advance(45 * 60_000);
    expect(await checkIdleSessions(deps)).toMatchObject({ warned: 1, stopped: 0 });
    expect(events).toHaveLength(1);
    expect(await checkIdleSessions(deps)).toMatchObject({ stopped: 1 });
    expect((await h.sessions.get(id))?.ended_reason).toBe('idle');
  });
});
