// The sweep finishes what a crash between two writes left: here, a session moved to stopping whose teardown
// execution never started (the pending case is in ending.test.ts).
import { describe, expect, it } from 'vitest';
import type { Workflows } from '../../shared/ports/workflows.ts';
import { sweepSessions } from '../../shared/use-cases/sessions/sweep-sessions.ts';
import { requestTeardown } from '../../shared/use-cases/teardown/request-teardown.ts';
import { offer } from '../fakes/fake-inventory.ts';
import { provisioningHarness } from '../support/provisioning-harness.ts';
import { storeSession } from '../support/stored-session.ts';

describe('session sweep: stopping sessions', () => {
  it('starts the teardown a crash kept from starting, once, and leaves a running teardown alone', async () => {
    const h = await provisioningHarness();
    const stored = await storeSession(h.sessions, {
      offer: offer({ id: 'vastai-77' }),
      status: 'running',
      attempts: [{ instance_id: '1234' }],
      now: h.clock.now(),
    });
    // the process died between moving the session to stopping and starting the teardown execution
    const lostStart: Workflows = {
      executionArns: (id) => h.workflows.executionArns(id),
      startProvisioning: (id) => h.workflows.startProvisioning(id),
      stopProvisioning: async () => undefined,
      describeProvisioning: (id) => h.workflows.describeProvisioning(id),
      startTeardown: async (id) => ({ execution_arn: h.workflows.executionArns(id).teardown, status: 'RUNNING' }),
      describeTeardown: (id) => h.workflows.describeTeardown(id),
    };
    await requestTeardown({ ...h.teardownDeps, workflows: lostStart }, stored.id, 'deleted');
    expect(h.workflows.teardowns).toEqual([]); // the start was lost
    expect((await sweepSessions(h.teardownDeps)).teardowns_started).toBe(0); // too young to tell
    h.clock.advance(90_000);
    const report = await sweepSessions(h.teardownDeps);
    expect(report.teardowns_started).toBe(1);
    expect(h.workflows.teardowns).toEqual([stored.id]);
    h.clock.advance(90_000);
    expect((await sweepSessions(h.teardownDeps)).teardowns_started).toBe(0); // it runs now
  });

  it('runs a dead teardown again under the next name, once for concurrent sweeps, and records the run', async () => {
    const h = await provisioningHarness();
    const stored = await storeSession(h.sessions, {
      offer: offer({ id: 'vastai-78' }),
      status: 'running',
      attempts: [{ instance_id: '1235' }],
      now: h.clock.now(),
    });
    await requestTeardown(h.teardownDeps, stored.id, 'deleted');
    expect((await sweepSessions(h.teardownDeps)).teardowns_restarted).toBe(0); // running: left alone
    h.workflows.teardownStatus.set(stored.id, 'ABORTED');
    const reports = await Promise.all([sweepSessions(h.teardownDeps), sweepSessions(h.teardownDeps), sweepSessions(h.teardownDeps)]);
    expect(reports.reduce((n, r) => n + r.teardowns_restarted, 0)).toBe(1);
    expect(h.workflows.teardowns).toEqual([stored.id, `${stored.id}-r1`]);
    const session = (await h.sessions.get(stored.id))!;
    expect(session).toMatchObject({ status: 'stopping', teardown_run: 1 });
    expect(session.teardown_execution_arn).toBe(h.workflows.executionArns(stored.id, 1).teardown);
    expect((await h.events.list(stored.id)).filter((e) => e.type === 'teardown_restarted')).toHaveLength(1);
    // the rerun is alive: nothing more; when it fails too, run 2
    expect((await sweepSessions(h.teardownDeps)).teardowns_restarted).toBe(0);
    h.workflows.teardownStatus.set(`${stored.id}-r1`, 'FAILED');
    expect((await sweepSessions(h.teardownDeps)).teardowns_restarted).toBe(1);
    expect(h.workflows.teardowns.at(-1)).toBe(`${stored.id}-r2`);
  });
});
