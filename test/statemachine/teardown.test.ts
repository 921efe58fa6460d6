// The real teardown state machine, executed locally against the simulated marketplaces: no failure of a teardown step
// may keep the session's instances from being destroyed, and a teardown that died is run again by the sweep.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../local/sim/scenario.ts';
import { schedules } from '../../shared/app-model.ts';
import { type Harness, startHarness } from '../support/runtime-harness.ts';

const scenario: ScenarioInput = {
  vastai: {
    defaults: { boot_seconds: 1, ssh: 'ok' },
    offers: [{ gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US', count: 8 }],
  },
  tensordock: { defaults: { boot_seconds: 1 }, offers: [] },
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness(scenario);
});
afterAll(async () => {
  await h?.stop();
});
afterEach(() => {
  h.runtime.lambdas.faults = {};
});

let consumer = 0;
async function runningSession(): Promise<string> {
  consumer += 1;
  const res = await h.api<{ session: Record<string, unknown> }>('POST', '/api/v1/sessions', {
    consumer_id: `teardown-test-${consumer}`,
    offer_id: await h.offerId('RTX 5060 Ti', 'vastai', consumer - 1),
    workload_type: 'llm',
    reservation_hours: 1,
    auto_retry: false,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const id = String(res.body.session['id']);
  expect((await h.waitFor(id, ['running', 'failed']))['status']).toBe('running');
  return id;
}

const liveInstancesOf = (id: string) => h.runtime.sims.vastai!.instances().filter((i) => i.label?.includes(id) && i.gone === null);
const teardowns = (id: string) =>
  h.runtime.stepFunctions.allExecutions().filter((e) => e.name.startsWith(id) && e.stateMachineArn.endsWith(':Teardown'));
const sweep = () => h.runtime.scheduler.fire(schedules.find((s) => s.id === 'SessionSweep')!);

async function until<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const status = async (id: string) => String((await h.api('GET', `/api/v1/sessions/${id}`)).body['status']);

describe('teardown always reaches destroy', () => {
  it('StopProvisioning failing every time: the instances are destroyed all the same and the session ends stopped', async () => {
    const id = await runningSession();
    h.runtime.lambdas.faults = { crashBefore: (fn) => fn === 'StopProvisioning' };
    expect((await h.api('DELETE', `/api/v1/sessions/${id}`)).status).toBe(202);
    expect((await h.waitFor(id, ['stopped', 'failed'], 60_000))['status']).toBe('stopped');
    expect(liveInstancesOf(id)).toHaveLength(0);
    // the session reads stopped from CloseSession's write; the execution ends a moment later
    const run = await until('the teardown to end', () => teardowns(id).find((e) => e.status !== 'RUNNING'));
    expect(run.status).toBe('SUCCEEDED');
    expect(run?.history.some((e) => e.type === 'TaskCaught' && e.stateName === 'StopProvisioning')).toBe(true);
  });

  it('CloseSession failing every time: destroyed first; once it works again the sweep runs the teardown again and closes', async () => {
    const id = await runningSession();
    h.runtime.lambdas.faults = { crashBefore: (fn) => fn === 'CloseSession' };
    expect((await h.api('DELETE', `/api/v1/sessions/${id}`)).status).toBe(202);
    const first = await until('the first teardown to fail', () => teardowns(id).find((e) => e.status === 'FAILED'), 60_000);
    expect(first.error).toBe('CloseSessionFailed');
    expect(liveInstancesOf(id)).toHaveLength(0);
    expect(await status(id)).toBe('stopping');

    h.runtime.lambdas.faults = {};
    await sweep();
    expect((await h.waitFor(id, ['stopped', 'failed'], 30_000))['status']).toBe('stopped');
    const events = (await h.api<{ events: Record<string, unknown>[] }>('GET', `/api/v1/sessions/${id}/events`)).body.events;
    expect(events.find((e) => e['type'] === 'teardown_restarted')).toMatchObject({ run: 1, previous_status: 'FAILED' });
    await until('the second teardown to end', () => teardowns(id).every((e) => e.status !== 'RUNNING'));
    expect(teardowns(id).map((e) => [e.name, e.status])).toEqual(
      expect.arrayContaining([[id, 'FAILED'], [`${id}-r1`, 'SUCCEEDED']]),
    );
  });

  it('a teardown aborted mid-way is run again by the sweep: stopped, its instance destroyed', async () => {
    const id = await runningSession();
    // destruction keeps failing (retried) so the execution is surely mid-way when it is stopped
    h.runtime.lambdas.faults = { crashBefore: (fn) => fn === 'DestroySessionInstances' };
    expect((await h.api('DELETE', `/api/v1/sessions/${id}`)).status).toBe(202);
    const running = await until('the teardown to be destroying', () =>
      teardowns(id).find((e) => e.history.some((ev) => ev.type === 'TaskRetried' && ev.stateName === 'DestroySessionInstances')),
    );
    h.runtime.stepFunctions.stopExecution({ executionArn: running.executionArn, error: 'Chaos', cause: 'aborted by the test' });
    await until('the teardown to be aborted', () => teardowns(id)[0]?.status === 'ABORTED');
    h.runtime.lambdas.faults = {};
    expect(liveInstancesOf(id)).toHaveLength(1);
    expect(await status(id)).toBe('stopping');

    await sweep();
    expect((await h.waitFor(id, ['stopped', 'failed'], 30_000))['status']).toBe('stopped');
    expect(liveInstancesOf(id)).toHaveLength(0);
    const events = (await h.api<{ events: Record<string, unknown>[] }>('GET', `/api/v1/sessions/${id}/events`)).body.events;
    expect(events.find((e) => e['type'] === 'teardown_restarted')).toMatchObject({ run: 1, previous_status: 'ABORTED' });
  });
});
