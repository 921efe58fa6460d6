// The reconciler (a schedule): compares each provider's complete instance listing with this deployment's sessions.
//   orphan — this deployment's label, no active session owns it, older than the grace period → destroyed, confirmed;
//            A stopping session whose teardown execution is dead (failed, timed out, aborted, or never ran for a
//            grace period) owns nothing: its instances become orphans too.
//   ghost  — a running session's instance missing from two consecutive complete listings (the first a grace period
//            after its creation) and unknown to the provider → the session ends failed (instance_vanished) through
//            the teardown workflow.
// Instances of other deployments, unlabelled ones and the old system's are counted and never touched. A listing that
// fails changes nothing for that provider; providers are reconciled independently.
import type { Instance } from '../../domain/instance.ts';
import type { ProviderName } from '../../domain/offer.ts';
import { InstanceNotFoundError } from '../../domain/provider-errors.ts';
import { currentAttempt, type Session } from '../../domain/session.ts';
import { METRIC } from '../../observability/metric-names.ts';
import { logger } from '../../observability/powertools.ts';
import type { ProviderClient } from '../../ports/provider.ts';
import type { Miss, ReconcilerMemory } from '../../ports/reconciler-memory.ts';
import { requestTeardown } from '../teardown/request-teardown.ts';
import type { ReconcileDeps } from './deps.ts';
import { destroyOrphan } from './destroy-orphan.ts';
import { findUnowned, ignoredTotal, instanceSince, partition, teardownDead, type Unowned } from './ownership.ts';

export interface ProviderReport {
  provider: ProviderName;
  /** complete: decisions were made; failed: the listing failed, nothing changed; contended: another run was busy */
  listing: 'complete' | 'failed' | 'contended';
  error?: string;
  listed: number;
  ours: number;
  ignored: number;
  /** unowned, but younger than the grace period */
  unowned_in_grace: number;
  orphans_found: number;
  orphans_destroyed: number;
  /** orphans whose destruction the provider has not confirmed yet (the next run tries again) */
  orphans_pending: number;
  /** running sessions whose instance the listing did not show */
  ghost_misses: number;
  ghosts_found: number;
}

export interface ReconcileReport {
  providers: ProviderReport[];
}

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const providers = await deps.providers.all();
  const unfinished = await deps.sessions.listUnfinished();
  const unexpected: string[] = [];
  const reports = await Promise.all(
    providers.map(async (provider) => {
      try {
        return await reconcileProvider(deps, provider, unfinished);
      } catch (err) {
        // one provider's trouble must not stop the others; the run still fails at the end, so it is seen
        logger.error('reconcile failed for a provider', { provider: provider.name, error: err as Error });
        unexpected.push(`${provider.name}: ${(err as Error).message}`);
        return { ...emptyReport(provider.name, 'failed'), error: (err as Error).message };
      }
    }),
  );
  if (unexpected.length > 0) throw new Error(`reconcile failed for ${unexpected.join('; ')}`);
  return { providers: reports };
}

function emptyReport(provider: ProviderName, listing: ProviderReport['listing']): ProviderReport {
  return {
    provider,
    listing,
    listed: 0,
    ours: 0,
    ignored: 0,
    unowned_in_grace: 0,
    orphans_found: 0,
    orphans_destroyed: 0,
    orphans_pending: 0,
    ghost_misses: 0,
    ghosts_found: 0,
  };
}

interface Ghost {
  session: Session;
  miss: Miss;
}

async function reconcileProvider(deps: ReconcileDeps, provider: ProviderClient, unfinished: Session[]): Promise<ProviderReport> {
  const name = provider.name;
  let listed: Instance[];
  try {
    listed = await provider.listInstances();
  } catch (err) {
    deps.metrics.add(METRIC.ReconcileListingFailures, 'Count', 1, { provider: name });
    deps.metrics.add(METRIC.ReconcileListingFailures, 'Count', 1);
    logger.warn('instance listing failed: no orphan or ghost decision for this provider this run', {
      provider: name,
      error_name: (err as Error).name,
      message: (err as Error).message,
    });
    return { ...emptyReport(name, 'failed'), error: (err as Error).message };
  }
  const now = deps.clock();
  const grace = deps.settings.orphanGraceMs;
  const report: ProviderReport = { ...emptyReport(name, 'complete'), listed: listed.length };
  const memory = await deps.memory.load(name);
  const next: ReconcilerMemory = { provider: name, first_seen: {}, misses: {}, version: memory.version };

  const { ours, ignored } = partition(listed, deps.deploymentId);
  report.ours = ours.length;
  report.ignored = ignoredTotal(ignored);
  if (report.ignored > 0) {
    deps.metrics.add(METRIC.ReconcileInstancesIgnored, 'Count', report.ignored, { provider: name });
    logger.info('left alone instances that are not this deployment’s', { provider: name, ...ignored });
  }

  const orphans: Unowned[] = [];
  const isTeardownDead = (session: Session) => teardownDead(deps.workflows, session, now, grace);
  for (const unowned of await findUnowned(deps.sessions, ours, isTeardownDead)) {
    const id = unowned.instance.id;
    if (!unowned.instance.created_at) next.first_seen[id] = memory.first_seen[id] ?? now.toISOString();
    const since = instanceSince(unowned.instance, next.first_seen[id]) ?? now.getTime();
    if (now.getTime() - since >= grace) orphans.push(unowned);
    else report.unowned_in_grace += 1;
  }

  const ghosts = await findGhosts(deps, provider, listed, unfinished, memory, next, now);
  report.ghost_misses = Object.keys(next.misses).length + ghosts.length;

  // what this run counted is stored before anything is acted on: an overlapping run backs off instead
  if (!(await deps.memory.save(next))) {
    logger.warn('another reconcile run is working on this provider; this run acts on nothing', { provider: name });
    return { ...report, listing: 'contended' };
  }

  for (const orphan of orphans) await reconcileOrphan(deps, provider, orphan, report);
  for (const ghost of ghosts) await closeGhost(deps, ghost, report);
  logger.info('reconciled', { ...report });
  return report;
}

/**
 * Running sessions on this provider whose current instance the complete listing does not show. A miss counts only a
 * grace period after the instance's creation; the second consecutive one, confirmed by the provider not knowing the
 * instance, makes a ghost. `next.misses` receives the misses to remember.
 */
async function findGhosts(
  deps: ReconcileDeps,
  provider: ProviderClient,
  listed: Instance[],
  unfinished: Session[],
  memory: ReconcilerMemory,
  next: ReconcilerMemory,
  now: Date,
): Promise<Ghost[]> {
  const listedIds = new Set(listed.map((i) => i.id));
  const ghosts: Ghost[] = [];
  for (const session of unfinished) {
    if (session.status !== 'running') continue;
    const attempt = currentAttempt(session);
    if (!attempt?.instance_id || attempt.destroyed_at || attempt.provider !== provider.name) continue;
    if (listedIds.has(attempt.instance_id)) continue;
    const createdAt = Date.parse(attempt.instance_created_at ?? attempt.create_started_at ?? attempt.started_at);
    if (!(now.getTime() - createdAt >= deps.settings.orphanGraceMs)) continue;
    const previous = memory.misses[session.id];
    const miss: Miss =
      previous?.instance_id === attempt.instance_id
        ? { ...previous, count: previous.count + 1 }
        : { instance_id: attempt.instance_id, count: 1, first_missed_at: now.toISOString() };
    if (miss.count < 2) {
      next.misses[session.id] = miss;
      continue;
    }
    // two complete listings without it: does the provider still know it?
    try {
      const still = await provider.getInstance(attempt.instance_id);
      logger.warn('complete listings omit an instance the provider still has; not a ghost', {
        provider: provider.name,
        session_id: session.id,
        instance_id: still.id,
        provider_status: still.provider_status,
      });
    } catch (err) {
      if (err instanceof InstanceNotFoundError) {
        ghosts.push({ session, miss });
      } else {
        // cannot tell this run: keep the count where it was
        if (previous) next.misses[session.id] = previous;
        logger.warn('could not confirm a missing instance with the provider', {
          provider: provider.name,
          session_id: session.id,
          error_name: (err as Error).name,
        });
      }
    }
  }
  return ghosts;
}

async function reconcileOrphan(deps: ReconcileDeps, provider: ProviderClient, orphan: Unowned, report: ProviderReport): Promise<void> {
  const context = {
    provider: provider.name,
    instance_id: orphan.instance.id,
    label: orphan.instance.label,
    reason: orphan.reason,
    session_id: orphan.label.sessionId,
    created_at: orphan.instance.created_at,
  };
  const outcome = await destroyOrphan(deps, provider, orphan, 'reconciler');
  // a listing that still shows a destroyed instance is not an orphan
  if (outcome.kind === 'already_gone') return;
  if (outcome.kind === 'unreachable') {
    report.orphans_pending += 1;
    logger.warn('could not look at an orphan; the next run tries again', { ...context, error_name: outcome.error.name });
    return;
  }
  report.orphans_found += 1;
  deps.metrics.add(METRIC.OrphansFound, 'Count', 1, { provider: provider.name });
  deps.metrics.add(METRIC.OrphansFound, 'Count', 1);
  if (outcome.kind === 'not_confirmed') {
    report.orphans_pending += 1;
    logger.warn('orphaned instance found; not yet confirmed destroyed, the next run tries again', {
      ...context,
      error_name: outcome.error.name,
      message: outcome.error.message,
    });
    return;
  }
  report.orphans_destroyed += 1;
  deps.metrics.add(METRIC.OrphansDestroyed, 'Count', 1, { provider: provider.name });
  deps.metrics.add(METRIC.OrphansDestroyed, 'Count', 1);
  logger.warn('orphaned instance found and destroyed (confirmed)', context);
}

async function closeGhost(deps: ReconcileDeps, ghost: Ghost, report: ProviderReport): Promise<void> {
  // act only on what is still true: the session may have ended since the listing
  const session = await deps.sessions.get(ghost.session.id);
  const attempt = session && currentAttempt(session);
  if (session?.status !== 'running' || attempt?.instance_id !== ghost.miss.instance_id || attempt.destroyed_at) return;
  report.ghosts_found += 1;
  deps.metrics.add(METRIC.GhostsFound, 'Count', 1, { provider: attempt.provider });
  deps.metrics.add(METRIC.GhostsFound, 'Count', 1);
  const message = `instance ${attempt.instance_id} vanished at ${attempt.provider}: missing from two complete listings since ${ghost.miss.first_missed_at} and unknown to the provider`;
  logger.warn('ghost session: its instance vanished; ending it', { session_id: session.id, instance_id: attempt.instance_id });
  // the provider stopped charging when the instance went: bill up to the first listing that missed it
  await deps.costs.close(session.id, attempt.n, ghost.miss.first_missed_at);
  await deps.events.append(session.id, [
    { type: 'reconciled', at: deps.clock().toISOString(), attempt: attempt.n, kind: 'ghost', instance_id: attempt.instance_id, message },
  ]);
  await requestTeardown(deps, session.id, 'ghost', { error_type: 'instance_vanished', error: message });
}
