// SSH verification failures are reported when verification fails — by DestroyInstance, before it destroys, for
// every cause including a VerifySsh crash or timeout — never after the destroy (which may take hours or fail).
import { describe, expect, it } from 'vitest';
import { beginProvisioning } from '../../shared/use-cases/provisioning/begin-provisioning.ts';
import { createInstance } from '../../shared/use-cases/provisioning/create-instance.ts';
import { destroyFailedAttempt } from '../../shared/use-cases/provisioning/destroy-instance.ts';
import { markFailed } from '../../shared/use-cases/provisioning/mark-failed.ts';
import { recordRefund } from '../../shared/use-cases/provisioning/record-refund.ts';
import { verifySsh } from '../../shared/use-cases/provisioning/verify-ssh.ts';
import { createSession } from '../../shared/use-cases/sessions/create-session.ts';
import { offer } from '../fakes/fake-inventory.ts';
import type { ProbeScript } from '../fakes/fake-prober.ts';
import { provisioningHarness } from '../support/provisioning-harness.ts';

const OFFERS = [offer({ id: 'vastai-101', host_id: 'vastai-machine-1' }), offer({ id: 'vastai-102', host_id: 'vastai-machine-2' })];

async function verifying(probe?: ProbeScript) {
  const h = await provisioningHarness({ offers: OFFERS, probe });
  const { session } = await createSession(h.createDeps, h.request());
  const state = await beginProvisioning(h.deps, { session_id: session.id });
  await createInstance(h.deps, state);
  return { h, state, gpu: session.gpu_type ?? OFFERS[0]!.gpu_type };
}

describe('SSH verification failure metrics', () => {
  it.each([
    ['a VerifySsh crash past its retries', 'Lambda.Unknown', 'task_crashed'],
    ['a VerifySsh task timeout', 'States.Timeout', 'task_timeout'],
    ['an SSH timeout', 'SshTimeoutError', 'ssh_timeout'],
  ])('%s is reported the moment the compensation begins, even when the destroy is never confirmed', async (_name, errorName, failureClass) => {
    const { h, state, gpu } = await verifying();
    h.vast.instances[0]!.lingerAfterDestroy = 1_000;
    const error = { Error: errorName, Cause: JSON.stringify({ errorMessage: 'died' }) };
    await expect(destroyFailedAttempt(h.deps, { ...state, error })).rejects.toMatchObject({ name: 'DestroyNotConfirmedError' });
    expect(h.metrics.count('SshVerificationFailed', { provider: 'vastai', gpu_type: gpu, failure_class: failureClass })).toBe(1);
    const outcomes = h.metrics.emitted.filter((m) => m.name === 'SshVerificationOutcome');
    expect(outcomes.map((m) => [m.value, Object.keys(m.dimensions).sort().join()])).toEqual([
      [1, 'gpu_type,provider'],
      [1, ''],
    ]);
    // a retried compensation and the refund count nothing more
    await expect(destroyFailedAttempt(h.deps, { ...state, error })).rejects.toMatchObject({ name: 'DestroyNotConfirmedError' });
    await recordRefund(h.deps, { ...state, failure_type: 'provider_error' });
    expect(h.metrics.count('SshVerificationFailed')).toBe(1);
    expect(h.metrics.count('TaskCrashes')).toBe(errorName.includes('.') ? 1 : 0);
    },
    120_000,
  );

  it('does not count a failure outside SSH verification (a failed create) as an SSH failure', async () => {
    const h = await provisioningHarness({ offers: OFFERS });
    const { session } = await createSession(h.createDeps, h.request());
    const state = await beginProvisioning(h.deps, { session_id: session.id });
    await destroyFailedAttempt(h.deps, { ...state, error: { Error: 'ProviderUnavailableError', Cause: 'busy' } });
    expect(h.metrics.count('SshVerificationFailed')).toBe(0);
    expect(h.metrics.count('TaskCrashes')).toBe(0);
  });

  it('records a verified instance as −1 on the outcome metric, per provider/GPU and service-wide', async () => {
    const { h, state, gpu } = await verifying(() => 'ok');
    for (let i = 0; i < 50; i++) {
      const r = await verifySsh(h.deps, state);
      if (r.ready) break;
      await h.clock.sleep(r.wait_seconds * 1000);
    }
    const outcomes = h.metrics.emitted.filter((m) => m.name === 'SshVerificationOutcome');
    expect(outcomes.map((m) => [m.value, m.dimensions])).toEqual([
      [-1, { provider: 'vastai', gpu_type: gpu }],
      [-1, {}],
    ]);
    expect(h.metrics.count('SshVerificationFailed')).toBe(0);
  });

  it('counts a task that died on the way to MarkFailed (BeginProvisioning, RecordRefund, ChooseRetryOffer) as a crash', async () => {
    const h = await provisioningHarness({ offers: OFFERS });
    const { session } = await createSession(h.createDeps, h.request());
    await markFailed(h.deps, { session_id: session.id, refund_error: { Error: 'Lambda.Unknown', Cause: 'oom' } });
    expect(h.metrics.count('TaskCrashes')).toBe(1);
    expect(h.metrics.count('SessionsFailed')).toBe(1);
  });
});
