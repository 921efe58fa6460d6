// BeginProvisioning: pending → provisioning with its first attempt. Running it again (a retried task, or an
// execution resumed after a crash) returns the attempt in progress instead of starting over.
import { SessionEndedError } from '../../domain/provisioning-errors.ts';
import { currentAttempt } from '../../domain/session.ts';
import { beginProvisioning as begin } from '../../domain/session-lifecycle.ts';
import type { ProvisioningDeps, TaskState } from './deps.ts';

/** What the task uses of the provisioning wiring. */
type BeginProvisioningDeps = Pick<ProvisioningDeps, 'sessions' | 'events' | 'clock'>;

export async function beginProvisioning(deps: BeginProvisioningDeps, input: { session_id: string }): Promise<TaskState> {
  const now = deps.clock();
  const { session, applied: started } = await deps.sessions.apply(input.session_id, begin);
  if (session.status !== 'provisioning') {
    throw new SessionEndedError(`session ${session.id} is ${session.status}; nothing to provision`);
  }
  const attempt = currentAttempt(session);
  if (!attempt) throw new SessionEndedError(`session ${session.id} has no attempt to provision`);
  if (started) {
    await deps.events.append(session.id, [
      { type: 'provisioning_started', at: now.toISOString() },
      { type: 'attempt_started', at: now.toISOString(), attempt: attempt.n, offer_id: attempt.offer_id, provider: attempt.provider },
    ]);
  }
  return { session_id: session.id, attempt: attempt.n };
}
