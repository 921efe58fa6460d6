// Which instances on a provider account are this deployment's, and which of those an active session owns. Shared by
// the reconciler and the ops command, so the two can never disagree about what is safe to destroy.
import { type Instance, type InstanceLabel, parseLabel } from '../../domain/instance.ts';
import { attemptOf, isTerminal, type Attempt, type Session } from '../../domain/session.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import { isDeadExecution, type Workflows } from '../../ports/workflows.ts';

/** Why none of this deployment's active sessions owns an instance. */
export type UnownedReason =
  /** the label names a session this deployment never had */
  | 'no_session'
  /** the session is stopped or failed */
  | 'session_ended'
  /** the session has no attempt of that number */
  | 'no_such_attempt'
  /** the attempt records another instance (a second create for the same attempt) */
  | 'superseded'
  /** the attempt's instances were confirmed destroyed (yet this one is listed) */
  | 'attempt_destroyed'
  /** the session is stopping, but its teardown execution died (or never ran): nothing else will destroy it */
  | 'teardown_dead';

interface OurInstance {
  instance: Instance;
  label: InstanceLabel;
}

export interface Unowned extends OurInstance {
  reason: UnownedReason;
  session?: Session;
  attempt?: Attempt;
}

interface Ignored {
  /** labelled by another deployment of this broker */
  other_deployment: number;
  /** `shopper-<session>` labels of the system this one replaces */
  legacy: number;
  /** no label, or one that is not ours */
  unlabelled: number;
}

/** This deployment's instances, and counts of everything else (which nothing here ever touches). */
export function partition(instances: Instance[], deploymentId: string): { ours: OurInstance[]; ignored: Ignored } {
  const ours: OurInstance[] = [];
  const ignored: Ignored = { other_deployment: 0, legacy: 0, unlabelled: 0 };
  for (const instance of instances) {
    const label = parseLabel(instance.label);
    if (label?.deploymentId === deploymentId) ours.push({ instance, label });
    else if (label) ignored.other_deployment += 1;
    else if (instance.label?.trim().startsWith('shopper-')) ignored.legacy += 1;
    else ignored.unlabelled += 1;
  }
  return { ours, ignored };
}

export const ignoredTotal = (i: Ignored) => i.other_deployment + i.legacy + i.unlabelled;

/**
 * Undefined when an active session owns the instance: the session is pending, provisioning, running or stopping,
 * its attempt of the label's number exists, is not confirmed destroyed, and records this instance or none yet (a
 * create in flight). Otherwise the reason it is nobody's.
 */
function unownedReason(instance: Instance, label: InstanceLabel, session: Session | undefined): UnownedReason | undefined {
  if (!session) return 'no_session';
  if (isTerminal(session.status)) return 'session_ended';
  const attempt = attemptOf(session, label.attempt);
  if (!attempt) return 'no_such_attempt';
  if (attempt.destroyed_at) return 'attempt_destroyed';
  if (attempt.instance_id && attempt.instance_id !== instance.id) return 'superseded';
  return undefined;
}

/**
 * Whether a stopping session's teardown is dead: its current execution failed, timed out or was aborted, or none was
 * ever found though the teardown was asked for longer than `stuckMs` ago. A `stopping` session then owns nothing —
 * left alone, its GPU would bill until someone noticed.
 */
export async function teardownDead(workflows: Pick<Workflows, 'describeTeardown'>, session: Session, now: Date, stuckMs: number): Promise<boolean> {
  if (session.status !== 'stopping') return false;
  const execution = await workflows.describeTeardown(session.id, session.teardown_run ?? 0);
  if (execution) return isDeadExecution(execution.status);
  return now.getTime() - Date.parse(session.teardown_requested_at ?? session.created_at) > stuckMs;
}

/**
 * This deployment's instances that no active session owns, each with its session (read consistently) if any. With
 * `isTeardownDead`, a stopping session whose teardown is dead owns none of its instances.
 */
export async function findUnowned(
  sessions: Pick<SessionStore, 'get'>,
  ours: OurInstance[],
  isTeardownDead?: (session: Session) => Promise<boolean>,
): Promise<Unowned[]> {
  const cache = new Map<string, Promise<Session | undefined>>();
  const dead = new Map<string, Promise<boolean>>();
  const out: Unowned[] = [];
  for (const item of ours) {
    let read = cache.get(item.label.sessionId);
    if (!read) {
      read = sessions.get(item.label.sessionId);
      cache.set(item.label.sessionId, read);
    }
    const session = await read;
    let reason = unownedReason(item.instance, item.label, session);
    if (!reason && session?.status === 'stopping' && isTeardownDead) {
      let check = dead.get(session.id);
      if (!check) {
        check = isTeardownDead(session);
        dead.set(session.id, check);
      }
      if (await check) reason = 'teardown_dead';
    }
    if (reason) out.push({ ...item, reason, session, attempt: session && attemptOf(session, item.label.attempt) });
  }
  return out;
}

/** When the instance began, as far as anyone can tell: the provider's creation time, else when it was first seen. */
export function instanceSince(instance: Instance, firstSeen: string | undefined): number | undefined {
  const created = instance.created_at ? Date.parse(instance.created_at) : Number.NaN;
  if (Number.isFinite(created)) return created;
  const seen = firstSeen ? Date.parse(firstSeen) : Number.NaN;
  return Number.isFinite(seen) ? seen : undefined;
}
