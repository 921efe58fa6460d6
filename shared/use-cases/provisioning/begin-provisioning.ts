// BeginProvisioning: pending → provisioning with its first attempt. Running it again (a retried task, or an
// execution resumed after a crash) returns the attempt in progress instead of starting over.
import { SessionEndedError } from '../../domain/provisioning-errors.ts';
import { type Attempt, currentAttempt, type Session } from '../../domain/session.ts';
import type { ProvisioningDeps, TaskState } from './deps.ts';

export function newAttempt(n: number, offer: Session['attempts'][number]['offer'], now: Date): Attempt {
  return {
    n,
    offer,
    offer_id: offer.id,
    provider: offer.provider,
    gpu_type: offer.gpu_type,
    host_id: offer.host_id,
    price_per_hour: offer.price_per_hour,
    started_at: now.toISOString(),
    outcome: 'in_progress',
  };
}

export async function beginProvisioning(deps: ProvisioningDeps, input: { session_id: string }): Promise<TaskState> {
  const now = deps.clock();
  let started = false;
  const session = await deps.sessions.mutate(input.session_id, (s) => {
    if (s.status !== 'pending') return undefined;
    started = true;
    return { status: 'provisioning', phase: 'creating_instance' };
  });
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
