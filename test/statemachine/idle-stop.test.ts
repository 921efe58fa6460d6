// Idle auto-stop against the simulated marketplaces: the idle check logs in over real SSH with the broker's key, reads
// nvidia-smi and who, and ends the session whose GPU sat unused for its window through the ordinary teardown — not
// the busy one. (An idle minute lasts a second here: IDLE_MINUTE_SECONDS.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedules } from '../../shared/app-model.ts';
import type { ScenarioInput } from '../../local/sim/scenario.ts';
import { type Harness, startHarness } from '../support/runtime-harness.ts';

const scenario: ScenarioInput = {
  vastai: {
    defaults: { boot_seconds: 1, ssh: 'ok' },
    hosts: { busy: { gpu_util: 90 }, lurker: { ssh_logins: 1 } },
    offers: [
      { gpu: 'RTX 5060 Ti', vram_gb: 16, price: 0.05, location: 'Texas, US' },
      { gpu: 'RTX 3090', vram_gb: 24, price: 0.06, location: 'Ohio, US', host: 'busy' },
      { gpu: 'RTX 4090', vram_gb: 24, price: 0.3, location: 'Utah, US', host: 'lurker' },
    ],
  },
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness(scenario, { POWERTOOLS_METRICS_DISABLED: 'true', IDLE_MINUTE_SECONDS: '1' });
});
afterAll(async () => {
  await h?.stop();
});

describe('idle auto-stop', () => {
  it('ends the idle session after its window, and leaves the busy one and the one somebody is logged in to', async () => {
    const ids: string[] = [];
    for (const gpu of ['RTX 5060 Ti', 'RTX 3090', 'RTX 4090']) {
      const res = await h.api<{ session: { id: string } }>('POST', '/api/v1/sessions', {
        consumer_id: `idle-${gpu.replace(/\s/g, '')}`,
        offer_id: await h.offerId(gpu),
        workload_type: 'interactive',
        reservation_hours: 1,
        idle_stop_minutes: 10,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ids.push(res.body.session.id);
    }
    for (const id of ids) expect((await h.waitFor(id, ['running', 'failed']))['status']).toBe('running');
    const check = schedules.find((s) => s.id === 'IdleCheck')!;
    const deadline = Date.now() + 40_000;
    let idle = await h.api<Record<string, unknown>>('GET', `/api/v1/sessions/${ids[0]}`);
    while (idle.body['status'] === 'running' && Date.now() < deadline) {
      await h.runtime.scheduler.fire(check);
      await new Promise((r) => setTimeout(r, 1000));
      idle = await h.api('GET', `/api/v1/sessions/${ids[0]}`);
    }
    const ended = await h.waitFor(ids[0]!, ['stopped', 'failed']);
    expect(ended).toMatchObject({ status: 'stopped', ended_reason: 'idle' });
    // it was idle for the whole window: from its first idle sample to the teardown
    const events = (await h.api<{ events: Record<string, unknown>[] }>('GET', `/api/v1/sessions/${ids[0]}/events`)).body.events;
    const requested = Date.parse(String(events.find((e) => e['type'] === 'teardown_requested')!['at']));
    expect(requested - Date.parse(String(ended['idle_since']))).toBeGreaterThanOrEqual(10_000);
    for (const id of ids.slice(1)) {
      const s = await h.api<Record<string, unknown>>('GET', `/api/v1/sessions/${id}`);
      expect(s.body).toMatchObject({ status: 'running', idle_stop_minutes: 10 });
      expect(s.body['idle_since']).toBeUndefined();
    }
  });
});
