// Creating a session: everything is checked before anything is written; then one transaction writes the session,
// its encrypted key, the consumer+offer lock and the idempotency record; then the provisioning execution starts.
// The answer comes back at once — provisioning goes on in the state machine.
import { createHash } from 'node:crypto';
import { holdFor, holdMonth } from '../../domain/budget-hold.ts';
import { BudgetExceededError, ConflictError, StaleInventoryError, TransientError } from '../../domain/errors.ts';
import { parseOfferId } from '../../domain/offer-id.ts';
import { pricedOffer } from '../../domain/offer-pricing.ts';
import { HOUR_MS, type RetryScope, type Session, type WorkloadType } from '../../domain/session.ts';
import type { Template } from '../../domain/template.ts';
import { checkOfferServes, planWorkload, type WorkloadRequest } from '../../domain/workload.ts';
import type { ConsumerSettingsStore } from '../../ports/consumer-settings.ts';
import type { InventoryReader } from '../../ports/inventory.ts';
import type { MetricsSink } from '../../ports/metrics.ts';
import type { SecretCipher } from '../../ports/secret-cipher.ts';
import type { SessionEventLog } from '../../ports/session-events.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import type { SshKeyPair } from '../../ports/ssh-prober.ts';
import type { Workflows } from '../../ports/workflows.ts';
import { abandon as abandonSession, newAttempt } from '../../domain/session-lifecycle.ts';
import { METRIC } from '../../observability/metric-names.ts';
import type { BudgetWatch } from '../costs/budget-watch.ts';

export interface CreateSessionRequest {
  consumer_id: string;
  offer_id: string;
  workload_type: WorkloadType;
  reservation_hours: number;
  auto_retry: boolean;
  max_retries: number;
  retry_scope: RetryScope;
  /** already validated and normalised */
  ssh_public_key?: string;
  ssh_timeout_minutes?: number;
  /** idle auto-stop window (idle-check.ts); absent: the consumer's default; null: none, whatever the default */
  idle_stop_minutes?: number | null;
  /** image, template, model, disk, launch mode (absent: an SSH session on the provider's default image) */
  workload?: WorkloadRequest;
  idempotency_key?: string;
}

export interface CreateSessionDeps {
  sessions: SessionStore;
  events: SessionEventLog;
  inventory: InventoryReader;
  workflows: Workflows;
  cipher: SecretCipher;
  metrics: MetricsSink;
  clock: () => Date;
  newId: () => string;
  generateKeyPair: (comment: string) => SshKeyPair;
  hardMaxHours: number;
  /** the length of a reserved hour in ms: 3,600,000 except in accelerated local runs (RESERVATION_HOUR_SECONDS) */
  reservationHourMs?: number;
  /** alerts and on_exceeded after the session's hold moved the consumer's month (the store enforces the limit) */
  watchBudget?: BudgetWatch;
  /** the Vast.ai template catalog (a template it does not know is passed on as is, without its disk hint) */
  templates?: { find(hashId: string): Promise<Template | undefined> };
  /** disk when neither the request nor an estimate decides it */
  defaultDiskGb?: number;
  /** the consumer's session defaults (idle_stop_minutes), read only when the request leaves one open */
  consumerSettings?: Pick<ConsumerSettingsStore, 'get'>;
}

const DEFAULT_DISK_GB = 50;

export interface CreatedSession {
  session: Session;
  ssh_private_key: string;
  replayed: boolean;
}

const STALE_MESSAGE = 'The selected offer is no longer available. Please refresh inventory and select a different offer.';

export async function createSession(deps: CreateSessionDeps, req: CreateSessionRequest): Promise<CreatedSession> {
  const { id: offerId } = parseOfferId(req.offer_id);
  const offer = await deps.inventory.findOffer(offerId);
  if (!offer) {
    throw new StaleInventoryError(`offer ${offerId} is not in current inventory`, {
      offer_id: offerId,
      retry_suggested: true,
      message: STALE_MESSAGE,
    });
  }
  // disk and workload are checked before anything is written: a refusal leaves no session and no offer lock
  const hash = req.workload?.template_hash_id;
  // soft: an unknown template (or an unreadable catalog) is passed on to the provider as is, without its hints
  const template = hash ? await deps.templates?.find(hash).catch(() => undefined) : undefined;
  const workload = planWorkload(req.workload ?? { launch_mode: 'ssh' }, {
    provider: offer.provider,
    template,
    default_disk_gb: deps.defaultDiskGb ?? DEFAULT_DISK_GB,
  });
  checkOfferServes(workload, offer);
  // the session, its attempt, its budget hold and the ledger carry the all-in price for the disk it will be created with
  const priced = pricedOffer(offer, workload.disk_gb);

  const idleStopMinutes =
    req.idle_stop_minutes === undefined ? (await deps.consumerSettings?.get(req.consumer_id))?.idle_stop_minutes : req.idle_stop_minutes;

  const now = deps.clock();
  const hourMs = deps.reservationHourMs ?? HOUR_MS;
  const id = deps.newId();
  const keys = deps.generateKeyPair(`gpu-shopper-${id}`);
  const { confidence: _confidence, ...offerSnapshot } = priced;
  const session: Session = {
    id,
    consumer_id: req.consumer_id,
    status: 'pending',
    phase: 'queued',
    requested_offer_id: offerId,
    offer_id: offerId,
    provider: offer.provider,
    gpu_type: offer.gpu_type,
    gpu_count: offer.gpu_count,
    vram_gb: offer.vram_gb,
    price_per_hour: priced.price_per_hour,
    workload_type: req.workload_type,
    reservation_hours: req.reservation_hours,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + req.reservation_hours * hourMs).toISOString(),
    hard_max_at: new Date(now.getTime() + deps.hardMaxHours * hourMs).toISOString(),
    auto_retry: req.auto_retry,
    max_retries: req.auto_retry ? req.max_retries : 0,
    retry_scope: req.retry_scope,
    retry_count: 0,
    attempts: [newAttempt(1, offerSnapshot, now)],
    failed_offers: [],
    failed_hosts: [],
    ssh_timeout_minutes: req.ssh_timeout_minutes,
    ...(idleStopMinutes ? { idle_stop_minutes: idleStopMinutes } : {}),
    workload,
    execution_arn: deps.workflows.executionArns(id).provisioning,
    // the whole reservation is held against the month before anything is spent; the store refuses it past the budget
    hold_usd: holdFor(priced.price_per_hour, req.reservation_hours),
    hold_month: holdMonth(now),
    version: 1,
  };

  const outcome = await deps.sessions
    .create({
    session,
    secret: {
      session_id: id,
      private_key_ciphertext: await deps.cipher.encrypt(keys.private_key, { session_id: id }),
      public_keys: [keys.public_key, ...(req.ssh_public_key ? [req.ssh_public_key] : [])],
    },
    idempotency: req.idempotency_key ? { key: req.idempotency_key, request_hash: requestHash(req) } : undefined,
  })
    .catch(async (err: unknown) => {
      if (err instanceof BudgetExceededError) await deps.watchBudget?.(req.consumer_id, session.hold_month!, { refused: true });
      throw err;
    });

  if (outcome.kind === 'duplicate') {
    throw new ConflictError(
      `consumer ${req.consumer_id} already has active session ${outcome.existing_session_id} on offer ${offerId}`,
      { existing_session_id: outcome.existing_session_id, offer_id: offerId },
      'duplicate_session',
    );
  }
  if (outcome.kind === 'replayed') return replay(deps, req, outcome.session, outcome.request_hash);

  await deps.events.append(id, [
    { type: 'session_created', at: now.toISOString(), offer_id: offerId, provider: offer.provider, ssh_key_fingerprint: keys.fingerprint },
  ]);
  deps.metrics.add(METRIC.SessionsCreated, 'Count', 1, { provider: offer.provider });
  await deps.watchBudget?.(req.consumer_id, session.hold_month!);
  try {
    await deps.workflows.startProvisioning(id);
    return { session, ssh_private_key: keys.private_key, replayed: false };
  } catch (err) {
    await abandon(deps, session);
    throw new ProvisioningUnavailableError('provisioning could not be started; nothing was created', { cause: err });
  }
}

class ProvisioningUnavailableError extends TransientError {
  override readonly name = 'ProvisioningUnavailableError';
  readonly errorType = 'provisioning_unavailable';
  constructor(message: string, options: ErrorOptions) {
    super(message, {}, options);
  }
}

/**
 * The execution never started: end the session so it neither blocks the offer nor stays pending. Nothing was
 * created, so nothing is billed: its hold is settled at 0 in the same write.
 */
async function abandon(deps: CreateSessionDeps, session: Session): Promise<void> {
  const now = deps.clock().toISOString();
  const { session: ended } = await deps.sessions.apply(session.id, (s) => abandonSession(s, now));
  if (ended.status === 'failed') {
    await deps.sessions.releaseOfferLock(ended);
    await deps.sessions.deleteSecret(ended.id);
  }
}

async function replay(
  deps: CreateSessionDeps,
  req: CreateSessionRequest,
  session: Session,
  storedHash: string,
): Promise<CreatedSession> {
  if (storedHash !== requestHash(req)) {
    throw new ConflictError(
      'this Idempotency-Key was used with a different request',
      { existing_session_id: session.id },
      'idempotency_key_reused',
    );
  }
  const secret = await deps.sessions.getSecret(session.id);
  if (!secret) {
    throw new ConflictError(
      `the session of this Idempotency-Key has ended (${session.status}) and its key is no longer kept`,
      { existing_session_id: session.id },
      'idempotency_key_expired',
    );
  }
  const privateKey = await deps.cipher.decrypt(secret.private_key_ciphertext, { session_id: session.id });
  return { session, ssh_private_key: privateKey, replayed: true };
}

function requestHash(req: CreateSessionRequest): string {
  const { idempotency_key: _key, ...rest } = req;
  const canonical = JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))));
  return createHash('sha256').update(canonical).digest('hex');
}
