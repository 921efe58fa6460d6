// CreateInstance: rent the attempt's offer, labelled with the deployment, session and attempt. Idempotent: a retried
// task returns the instance already recorded, or finds by label the one a crashed try made; a create whose outcome
// is in doubt waits out the provider's listing lag rather than risk a second instance. Behind a long queue of creates
// the shared pacing keeps this one's place: the task answers when to come back (`create_wait_until`), the state
// machine waits, and the next try takes that place.
import { formatLabel } from '../../domain/instance.ts';
import type { PacingPlace } from '../../domain/pacing.ts';
import { createdInstanceOf, ProviderPacingError } from '../../domain/provider-errors.ts';
import { CreateInDoubtError, InstanceVanishedError, SessionEndedError } from '../../domain/provisioning-errors.ts';
import { attemptOf, type Attempt, type Session } from '../../domain/session.ts';
import {
  markCreateStarted,
  withdrawCreateStart,
  markDestroyed,
  recordInstance as recordInstanceOf,
  requireAttempt,
  requireProvisioning,
} from '../../domain/session-lifecycle.ts';
import { verificationDeadline } from '../../domain/verification.ts';
import { imageProfile, serverCommand, sshExpected } from '../../domain/workload.ts';
import type { CreatedInstance, CreateInstanceRequest, ProviderClient } from '../../ports/provider.ts';
import { openCost } from './attempt-cost.ts';
import type { ProvisioningDeps, TaskState } from './deps.ts';
import { confirmDestroyed } from './destroy-instance.ts';
import { failedAttemptError } from './failure.ts';

/** What the task uses of the provisioning wiring. */
type CreateInstanceDeps = Pick<ProvisioningDeps, 'sessions' | 'events' | 'providers' | 'costs' | 'history' | 'clock' | 'deploymentId' | 'settings'>;

/** `create_wait_until`: the create holds a place in the provider's queue; the state machine waits and calls again. */
type CreateInstanceResult = TaskState & { create_wait_until?: string };

export async function createInstance(deps: CreateInstanceDeps, input: TaskState): Promise<CreateInstanceResult> {
  const session = requireProvisioning(await deps.sessions.get(input.session_id), input.session_id);
  const attempt = requireAttempt(session, input.attempt);
  // an execution resumed after a crash in its failure branch comes back here: continue that failure
  if (attempt.outcome === 'failed') throw failedAttemptError(attempt);
  if (attempt.instance_id) return input;

  const provider = await deps.providers.get(attempt.provider);
  const label = formatLabel({ deploymentId: deps.deploymentId, sessionId: session.id, attempt: attempt.n });

  if (attempt.create_started_at) {
    // the listing shows the provider as it was when asked: the lag is measured up to then
    const listedAt = deps.clock().getTime();
    const found = (await provider.listInstances()).find((i) => i.label === label);
    if (found) {
      // the earlier call's answer was lost: it may have made the instance without finishing the job (Vast.ai attaches
      // the keys after the create)
      const secret = await deps.sessions.getSecret(session.id);
      if (!secret) throw new SessionEndedError(`session ${session.id} has no key any more`);
      await provider.ensureSshKeys?.(found.id, secret.public_keys);
      await recordInstance(deps, session, attempt, found.id, found.created_at ?? attempt.create_started_at, provider);
      return input;
    }
    const since = listedAt - Date.parse(attempt.create_started_at);
    if (since < deps.settings.createListLagMs) {
      throw new CreateInDoubtError(
        `an earlier create for attempt ${attempt.n} may have succeeded; waiting for the provider's listing (${Math.round(since / 1000)} s so far)`,
      );
    }
    // the listing has had time to show it. A cost record says an earlier call did make one, which is gone before it
    // could be recorded (vanished at the provider): that is this attempt's failure, not a reason to rent again
    const made = (await deps.costs.forSession(session.id)).find((c) => c.attempt === attempt.n);
    if (made) {
      throw new InstanceVanishedError(`instance ${made.instance_id}, created for attempt ${attempt.n}, is gone from the provider's listing`);
    }
    // the earlier call made nothing
  }

  const secret = await deps.sessions.getSecret(session.id);
  if (!secret) throw new SessionEndedError(`session ${session.id} has no key any more`);
  const startedAt = deps.clock().toISOString();
  const { session: marked } = await deps.sessions.apply(session.id, (s) => markCreateStarted(s, attempt.n, startedAt));
  // the session may have ended since it was read: a create the teardown cannot know about would outlive it
  if (attemptOf(marked, attempt.n)?.create_started_at !== startedAt) {
    throw new SessionEndedError(`session ${session.id} is ${marked.status}; no instance is created for it`);
  }
  await deps.events.append(session.id, [
    { type: 'instance_create_requested', at: startedAt, attempt: attempt.n, offer_id: attempt.offer_id, provider: attempt.provider },
  ]);

  let created: CreatedInstance;
  try {
    created = await provider.createInstance({
      offer: attempt.offer,
      label,
      disk_gb: session.workload?.disk_gb ?? deps.settings.defaultDiskGb,
      ssh_public_keys: secret.public_keys,
      ...launchOf(session, attempt),
      ...(attempt.create_slot_at ? { paced_slot_at: Date.parse(attempt.create_slot_at) } : {}),
    });
  } catch (err) {
    // made, then failed (its keys could not be attached, so it was destroyed again): it cost money all the same
    const made = createdInstanceOf(err);
    if (made) {
      await openCost(deps, session, attempt, made.instance_id, made.created_at ?? startedAt);
      if (made.destroyed_at) await deps.costs.close(session.id, attempt.n, made.destroyed_at);
    } else if (err instanceof ProviderPacingError) {
      // no create left this process (or the only ones were refused with 429): nothing can exist, so the retry rents
      // at once instead of waiting out the listing lag an in-doubt create needs
      const slotAt = err.place ? new Date(err.place.slot_at).toISOString() : undefined;
      await deps.sessions.apply(session.id, (s) => withdrawCreateStart(s, attempt.n, startedAt, slotAt));
      if (err.place) return queued(deps, session, attempt, err.place, input);
    }
    throw err;
  }
  await recordInstance(deps, session, attempt, created.instance_id, created.created_at ?? deps.clock().toISOString(), provider);
  return input;
}

async function queued(
  deps: CreateInstanceDeps,
  session: Session,
  attempt: Attempt,
  place: PacingPlace,
  input: TaskState,
): Promise<CreateInstanceResult> {
  const slotAt = new Date(place.slot_at).toISOString();
  // once per place: a try that came back early keeps the same one
  if (attempt.create_slot_at !== slotAt) {
    const seconds = Math.max(0, Math.round((place.slot_at - deps.clock().getTime()) / 1000));
    await deps.events.append(session.id, [
      {
        type: 'instance_create_queued',
        at: deps.clock().toISOString(),
        attempt: attempt.n,
        provider: attempt.provider,
        slot_at: slotAt,
        message: `${attempt.provider} takes creates one at a time: this one keeps its place, ${seconds} s from now`,
      },
    ]);
  }
  return { ...input, create_wait_until: new Date(place.wake_at).toISOString() };
}

/** The workload part of the create request: image, template, ports, and how the server (if any) is started. */
function launchOf(session: Session, attempt: Attempt): Omit<CreateInstanceRequest, 'offer' | 'label' | 'disk_gb' | 'ssh_public_keys'> {
  const w = session.workload;
  if (!w) return { launch_mode: 'ssh' };
  const command = serverCommand(w, attempt.offer.gpu_count);
  return {
    launch_mode: w.launch_mode,
    ...(w.docker_image ? { image: w.docker_image } : {}),
    ...(w.template_hash_id ? { template_hash_id: w.template_hash_id } : {}),
    ...(w.exposed_ports?.length ? { exposed_ports: w.exposed_ports } : {}),
    ...(w.on_start_cmd ? { on_start: w.on_start_cmd } : {}),
    ...(command ? { server_command: command } : {}),
    ssh: sshExpected(w, attempt.provider),
  };
}

async function recordInstance(
  deps: CreateInstanceDeps,
  session: Session,
  attempt: Attempt,
  instanceId: string,
  createdAt: string,
  provider?: ProviderClient,
): Promise<void> {
  const now = deps.clock();
  const deadline = verificationDeadline(
    session.ssh_timeout_minutes,
    await deps.history.recent(attempt.provider, attempt.gpu_type),
    deps.settings.defaultSshDeadlineMs,
    imageProfile(session.workload?.docker_image).ssh_budget_factor,
  );
  const deadlineAt = new Date(now.getTime() + deadline.ms).toISOString();
  // the cost record first: once the session names the instance, a retried task returns early (and a crash may come
  // between any two writes), so an instance the session knows always has its cost record
  await openCost(deps, session, attempt, instanceId, createdAt);
  // recorded whatever the session's status, so a teardown that started meanwhile can find and destroy it
  const verification = {
    started_at: now.toISOString(),
    deadline_at: deadlineAt,
    base_deadline_at: deadlineAt,
    deadline_source: deadline.source,
    attempts: 0,
    consecutive_auth_rejections: 0,
  };
  const { session: stored } = await deps.sessions.apply(session.id, (s) =>
    recordInstanceOf(s, attempt.n, { id: instanceId, created_at: createdAt }, verification),
  );
  await deps.events.append(session.id, [
    {
      type: 'instance_created',
      at: now.toISOString(),
      attempt: attempt.n,
      instance_id: instanceId,
      provider: attempt.provider,
      ssh_deadline_seconds: Math.round(deadline.ms / 1000),
      ssh_deadline_source: deadline.source,
    },
  ]);
  if (stored.status !== 'provisioning') {
    // the session ended while the create was in flight: do not leave the instance running, and close its books if the
    // provider confirms it gone (the teardown does the same when it finds it; whichever is first counts)
    if (provider) await endUnwanted(deps, stored, attempt, instanceId, provider);
    throw new SessionEndedError(`session ${session.id} ended while its instance was being created`);
  }
}

async function endUnwanted(deps: CreateInstanceDeps, session: Session, attempt: Attempt, instanceId: string, provider: ProviderClient) {
  try {
    await confirmDestroyed(provider, [instanceId]);
  } catch {
    return; // the teardown (or else the reconciler) destroys it
  }
  const at = deps.clock().toISOString();
  await deps.sessions.apply(session.id, (s) => markDestroyed(s, attempt.n, at));
  await deps.costs.close(session.id, attempt.n, at);
  await deps.costs.refund(session.id, attempt.n, 'ended_before_running');
}
