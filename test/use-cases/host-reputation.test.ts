// Host reputation in automatic retries: a machine that failed verification for other consumers today is not where a
// session goes next, whichever of the comparable offers its seed would otherwise pick.
import { describe, expect, it } from 'vitest';
import { beginProvisioning } from '../../shared/use-cases/provisioning/begin-provisioning.ts';
import { chooseRetryOffer } from '../../shared/use-cases/provisioning/choose-retry-offer.ts';
import { createSession } from '../../shared/use-cases/sessions/create-session.ts';
import { offer } from '../fakes/fake-inventory.ts';
import { provisioningHarness } from '../support/provisioning-harness.ts';

const ORIGINAL = offer({ id: 'vastai-500', host_id: 'machine-1', price_per_hour: 0.06 });
const BAD_HOST = offer({ id: 'vastai-501', host_id: 'machine-bad', price_per_hour: 0.06 });
const GOOD_HOST = offer({ id: 'vastai-502', host_id: 'machine-good', price_per_hour: 0.06 });

describe('host reputation in retries', () => {
  it('never retries on a host that failed three times today, for anyone', async () => {
    const h = await provisioningHarness({ offers: [ORIGINAL, BAD_HOST, GOOD_HOST] });
    for (const type of ['ssh_timeout', 'instance_stopped', 'ssh_timeout'] as const) {
      await h.inventory.recordFailure({ offer_id: 'vastai-other', provider: 'vastai', gpu_type: 'RTX 5060 Ti', host_id: 'machine-bad', type, at: h.clock.now() });
    }
    const chosen: string[] = [];
    for (let i = 0; i < 8; i++) {
      const { session } = await createSession(h.createDeps, h.request({ consumer_id: `team-${i}`, offer_id: ORIGINAL.id }));
      await beginProvisioning(h.deps, { session_id: session.id });
      expect(await chooseRetryOffer(h.deps, { session_id: session.id, attempt: 1, failure_type: 'ssh_timeout' })).toMatchObject({ retry: true });
      chosen.push((await h.sessions.get(session.id))!.offer_id);
    }
    expect(new Set(chosen)).toEqual(new Set([GOOD_HOST.id]));
  });
});
