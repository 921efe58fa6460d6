// Benchmark runs. The API creates the run and its items (models × GPU types) and starts the workflow
// (statemachines/benchmark-run.asl.json): PlanBenchmarkRun lists the items, a Map drives each one with
// AdvanceBenchmarkItem (a small state machine over the item, polled) and RunBenchmark (the SSH command), and
// FinishBenchmarkRun closes the run. Every item creates an ordinary session through createSession (the same
// provisioning workflow, refunds and budget holds) and ends it through the ordinary teardown.
//
// Budget: before an item creates anything it reserves its offer's price × reservation hours from the run, under the
// run's optimistic lock; an item whose reservation would take the run past max_budget_usd is skipped. Once the
// session exists its own hold (the most it can cost) replaces the estimate, and once it has settled its billed cost
// does. Sessions are created without auto-retry: a retry onto a dearer offer would grow a hold the run did not reserve.
import type { runAnswer } from '../../http/schemas/benchmarks.ts';
import type { Answer } from '../../http/schemas/responses.ts';
import { randomUUID } from 'node:crypto';
import { benchmarkCommand, type BenchmarkResult, parseBenchmarkOutput } from '../../domain/benchmark.ts';
import {
  type BenchmarkRun,
  type BenchmarkRunItem,
  type BenchmarkRunSpec,
  committedUsd,
  isFinalItem,
  MAX_RUN_ITEMS,
  planItems,
} from '../../domain/benchmark-run.ts';
import { ClientError, ConflictError, NotFoundError, StaleInventoryError, TransientError, ValidationError } from '../../domain/errors.ts';
import { gpuKey } from '../../domain/offer.ts';
import { pricedOffer } from '../../domain/offer-pricing.ts';
import { isActive, isTerminal, type Session } from '../../domain/session.ts';
import type { BenchmarkRunStore, BenchmarkStore, BenchmarkWorkflow } from '../../ports/benchmarks.ts';
import type { InventoryReader, RankedOffer } from '../../ports/inventory.ts';
import type { SecretCipher } from '../../ports/secret-cipher.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import type { SshCommandRunner } from '../../ports/ssh-command.ts';
import type { CreateSessionRequest } from '../sessions/create-session.ts';
import { type RequestTeardownDeps, requestTeardown } from '../teardown/request-teardown.ts';

export interface StartRunDeps {
  runs: BenchmarkRunStore;
  workflow: BenchmarkWorkflow;
  clock: () => Date;
}

export async function startRun(
  deps: StartRunDeps,
  consumerId: string,
  spec: BenchmarkRunSpec,
  options: { id?: string; schedule_id?: string } = {},
): Promise<{ run: BenchmarkRun; created: boolean }> {
  if (spec.models.length * spec.gpu_types.length > MAX_RUN_ITEMS) {
    throw new ValidationError(`a run has at most ${MAX_RUN_ITEMS} items (models × gpu_types)`, { field: 'models' });
  }
  const now = deps.clock().toISOString();
  const id = options.id ?? randomUUID();
  const run: BenchmarkRun = {
    id,
    consumer_id: consumerId,
    spec,
    status: 'running',
    reservations: {},
    spent: {},
    ...(options.schedule_id ? { schedule_id: options.schedule_id } : {}),
    execution_arn: deps.workflow.executionArn(id),
    created_at: now,
    version: 1,
  };
  const created = await deps.runs.create(run, planItems(id, spec, now));
  // a repeat (same id) finds the first run; its workflow is started again, which finds the first execution
  const stored = created ? run : ((await deps.runs.get(id)) ?? run);
  try {
    await deps.workflow.start(id);
  } catch (err) {
    // nothing was rented yet. A scheduled run is left to the next check (same id, started again); a requested one
    // is closed so it does not show as running forever
    if (created && !options.schedule_id) {
      await deps.runs.applyRun(id, (r) => (r.status === 'running' ? { status: 'cancelled', cancelled_at: now, finished_at: now } : undefined));
    }
    throw new BenchmarkRunUnavailableError('the benchmark run could not be started; nothing was rented', { cause: err });
  }
  return { run: stored, created };
}

class BenchmarkRunUnavailableError extends TransientError {
  override readonly name = 'BenchmarkRunUnavailableError';
  readonly errorType = 'benchmark_run_unavailable';
  constructor(message: string, options: ErrorOptions) {
    super(message, {}, options);
  }
}

interface RunView {
  run: Record<string, unknown>;
  items: BenchmarkRunItem[];
}

export function runView(run: BenchmarkRun, items: BenchmarkRunItem[]): RunView {
  const counts: Record<string, number> = {};
  for (const i of items) counts[i.status] = (counts[i.status] ?? 0) + 1;
  const { version: _v, reservations: _r, spent: _s, ...rest } = run;
  return {
    run: {
      ...rest,
      reserved_usd: round6(Object.values(run.reservations).reduce((a, b) => a + b, 0)),
      spent_usd: round6(Object.values(run.spent).reduce((a, b) => a + b, 0)),
      committed_usd: committedUsd(run),
      item_counts: counts,
    },
    items: items.map(({ version: _iv, ...i }) => i as BenchmarkRunItem),
  } satisfies Answer<typeof runAnswer>;
}

export async function runForCaller(
  runs: BenchmarkRunStore,
  id: string,
  mayRead: (consumerId: string) => boolean,
): Promise<BenchmarkRun> {
  const run = await runs.get(id);
  if (!run || !mayRead(run.consumer_id)) throw new NotFoundError(`benchmark run ${id} not found`, { run_id: id });
  return run;
}

export type CancelDeps = RequestTeardownDeps & { runs: BenchmarkRunStore };

/** Cancels the run: items not started will not start, live sessions are ended now (the workflow settles them). */
export async function cancelRun(deps: CancelDeps, run: BenchmarkRun): Promise<BenchmarkRun> {
  const now = deps.clock().toISOString();
  const { run: stored } = await deps.runs.applyRun(run.id, (r) => (r.status === 'running' ? { status: 'cancelled', cancelled_at: now } : undefined));
  for (const item of await deps.runs.items(run.id)) {
    if (item.session_id && !isFinalItem(item.status)) await endItemSession(deps, item.session_id, 'deleted');
  }
  return stored;
}

async function endItemSession(deps: RequestTeardownDeps, sessionId: string, reason: 'deleted' | 'consumer_done'): Promise<void> {
  const session = await deps.sessions.get(sessionId);
  if (session && isActive(session.status)) await requestTeardown(deps, session, reason);
}

// ── workflow tasks ───────────────────────────────────────────────────────────

interface ItemRef {
  run_id: string;
  item_id: string;
}

export async function planRun(runs: BenchmarkRunStore, runId: string): Promise<{ run_id: string; items: ItemRef[] }> {
  const items = await runs.items(runId);
  if (!(await runs.get(runId))) throw new NotFoundError(`benchmark run ${runId} not found`, { run_id: runId });
  return { run_id: runId, items: items.map((i) => ({ run_id: runId, item_id: i.item_id })) };
}

export interface AdvanceDeps extends RequestTeardownDeps {
  runs: BenchmarkRunStore;
  inventory: InventoryReader;
  /** the create-session use case, wired as the sessions API wires it */
  createSession: (req: CreateSessionRequest) => Promise<Session>;
  defaultDiskGb: number;
  /** how long the workflow waits between two looks at an item */
  pollSeconds: number;
  /** an item whose session is not running this long after it was created is ended and failed */
  provisionDeadlineMs: number;
  /** an ended session whose hold has not settled this long after the end is counted at its full hold */
  settleDeadlineMs: number;
}

type NextStep = 'wait' | 'benchmark' | 'done';

interface AdvanceOutput extends ItemRef {
  next: NextStep;
  wait_seconds: number;
}

/**
 * One step of an item, by its status. Every step is safe to repeat: the session is created with an idempotency key
 * derived from the item, reservations are keyed by item, and status changes are conditional writes.
 */
export async function advanceItem(
  deps: AdvanceDeps,
  ref: ItemRef,
  failure?: { Error?: string; Cause?: string },
): Promise<AdvanceOutput> {
  const out = (next: NextStep): AdvanceOutput => ({ ...ref, next, wait_seconds: deps.pollSeconds });
  const run = await deps.runs.get(ref.run_id);
  let item = await deps.runs.item(ref.run_id, ref.item_id);
  if (!run || !item) throw new NotFoundError(`benchmark run ${ref.run_id} item ${ref.item_id} not found`);
  if (failure && item.status === 'benchmarking') {
    // RunBenchmark gave up (its retries spent): the session still has to end
    item = await toEnding(deps, item, `benchmark task failed: ${failure.Error ?? 'error'}`);
  }
  if (isFinalItem(item.status)) return out('done');
  const now = deps.clock();

  if (item.status === 'pending') {
    if (run.status !== 'running') {
      await setItem(deps, item, { status: 'cancelled', reason: 'run cancelled before the item started' });
      return out('done');
    }
    return startItem(deps, run, item, out);
  }

  const session = item.session_id ? await deps.sessions.get(item.session_id) : undefined;
  if (!session) {
    await release(deps, item, 0);
    await setItem(deps, item, { status: 'failed', reason: 'its session is gone' });
    return out('done');
  }
  // the session's own hold is the most it can cost: the run holds exactly that while it is open
  await holdForSession(deps, item, session);

  if (item.status === 'provisioning') {
    if (run.status !== 'running') {
      await toEnding(deps, item, 'run cancelled', 'deleted');
      return out('wait');
    }
    if (session.status === 'running' && session.ssh) {
      await setItem(deps, item, { status: 'benchmarking' });
      return out('benchmark');
    }
    if (isTerminal(session.status) || session.status === 'stopping') {
      await setItem(deps, item, { status: 'ending', reason: `session ${session.status}: ${session.error ?? session.error_type ?? 'ended'}`, ending_since: now.toISOString() });
      return out('wait');
    }
    if (now.getTime() - Date.parse(session.created_at) > deps.provisionDeadlineMs) {
      await toEnding(deps, item, 'session did not come up in time');
    }
    return out('wait');
  }

  if (item.status === 'benchmarking') return out('benchmark');

  // ending: wait for the teardown, then swap the hold for what the session billed
  if (isActive(session.status)) {
    await endItemSession(deps, session.id, run.status === 'running' ? 'consumer_done' : 'deleted');
    return out('wait');
  }
  const endedAt = Date.parse(item.ending_since ?? item.updated_at);
  if (session.hold_settled_at || isTerminal(session.status)) {
    if (session.hold_settled_at || now.getTime() - endedAt > deps.settleDeadlineMs) {
      // settled: its billed cost; not settled in time: its whole hold, so the run can only overstate what it spent
      await release(deps, item, session.hold_settled_at ? (session.settled_usd ?? 0) : (session.hold_usd ?? 0));
      await setItem(deps, item, { status: item.result_id ? 'completed' : run.status === 'cancelled' ? 'cancelled' : 'failed' });
      return out('done');
    }
  }
  return out('wait');
}

async function startItem(
  deps: AdvanceDeps,
  run: BenchmarkRun,
  item: BenchmarkRunItem,
  out: (n: NextStep) => AdvanceOutput,
): Promise<AdvanceOutput> {
  const spec = run.spec;
  const disk = spec.disk_gb ?? deps.defaultDiskGb;
  const siblings = await deps.runs.items(run.id);
  // two items of one run on one offer would collide on the consumer+offer lock: each takes its own offer
  const taken = new Set(siblings.filter((s) => s.item_id !== item.item_id && s.offer_id && !isFinalItem(s.status)).map((s) => s.offer_id));
  const key = gpuKey(item.gpu_type);
  const candidates = (await deps.inventory.listOffers())
    .filter((o) => gpuKey(o.gpu_type) === key && (spec.providers.length === 0 || spec.providers.includes(o.provider)))
    .filter((o) => !o.host_avoided && !taken.has(o.id))
    .map((o) => pricedOffer(o, disk))
    .sort((a, b) => a.price_per_hour - b.price_per_hour || b.confidence - a.confidence);
  if (candidates.length === 0) {
    await setItem(deps, item, { status: 'skipped', reason: `no ${item.gpu_type} offer in inventory` });
    return out('done');
  }
  let lastReason = '';
  for (const offer of candidates.slice(0, 3)) {
    const estimate = round6(offer.price_per_hour * spec.reservation_hours);
    if (!(await reserve(deps, run.id, item.item_id, estimate))) {
      await setItem(deps, item, {
        status: 'skipped',
        reason: `its ${estimate} USD hold would take the run past max_budget_usd ${spec.max_budget_usd}`,
      });
      return out('done');
    }
    try {
      const session = await deps.createSession(sessionRequest(run, item, offer));
      await setItem(deps, item, {
        status: 'provisioning',
        offer_id: offer.id,
        provider: offer.provider,
        price_per_hour: session.price_per_hour,
        session_id: session.id,
        started_at: deps.clock().toISOString(),
      });
      return out('wait');
    } catch (err) {
      await release(deps, item, 0);
      if (err instanceof StaleInventoryError || (err instanceof ConflictError && err.errorType === 'duplicate_session')) {
        lastReason = err.message;
        continue;
      }
      // the consumer's monthly budget, a disk or workload the offer cannot serve: the caller's matter, not a retry
      if (err instanceof ClientError) {
        await setItem(deps, item, { status: 'skipped', reason: err.message });
        return out('done');
      }
      throw err;
    }
  }
  await setItem(deps, item, { status: 'skipped', reason: `no ${item.gpu_type} offer could be rented: ${lastReason}` });
  return out('done');
}

function sessionRequest(run: BenchmarkRun, item: BenchmarkRunItem, offer: RankedOffer): CreateSessionRequest {
  const spec = run.spec;
  return {
    consumer_id: run.consumer_id,
    offer_id: offer.id,
    workload_type: 'benchmark',
    reservation_hours: spec.reservation_hours,
    auto_retry: false,
    max_retries: 0,
    retry_scope: 'same_gpu',
    workload: {
      launch_mode: spec.launch_mode,
      ...(spec.docker_image ? { docker_image: spec.docker_image } : {}),
      model_id: item.model,
      ...(spec.quantization ? { quantization: spec.quantization } : {}),
      ...(spec.disk_gb ? { disk_gb: spec.disk_gb } : {}),
    },
    // a retried task replays the session it made instead of making a second; one key per item and offer
    idempotency_key: `bench-${run.id}-${item.item_id}-${offer.id}`.replace(/[^A-Za-z0-9._:-]/g, '_').slice(0, 128),
  };
}

/** Holds `usd` for the item unless that takes the run past its budget (an item's own earlier hold is replaced). */
async function reserve(deps: { runs: BenchmarkRunStore }, runId: string, itemId: string, usd: number): Promise<boolean> {
  const { run } = await deps.runs.applyRun(runId, (r) => {
    if (r.reservations[itemId] === usd) return undefined;
    const reservations = { ...r.reservations, [itemId]: usd };
    return committedUsd({ ...r, reservations }) <= r.spec.max_budget_usd + 1e-9 ? { reservations } : undefined;
  });
  return run.reservations[itemId] === usd;
}

async function holdForSession(deps: AdvanceDeps, item: BenchmarkRunItem, session: Session): Promise<void> {
  if (session.hold_settled_at || session.hold_usd === undefined) return;
  const run = await deps.runs.get(item.run_id);
  if (!run || run.reservations[item.item_id] === undefined || run.reservations[item.item_id] === session.hold_usd) return;
  if (!(await reserve(deps, item.run_id, item.item_id, session.hold_usd)) && isActive(session.status)) {
    // the session holds more than the run can afford (its disk or price moved): end it before it spends
    await toEnding(deps, item, `the session's ${session.hold_usd} USD hold passes the run's budget`);
  }
}

/** Replaces the item's hold with what it spent. */
async function release(deps: { runs: BenchmarkRunStore }, item: BenchmarkRunItem, spentUsd: number): Promise<void> {
  await deps.runs.applyRun(item.run_id, (r) => {
    if (r.reservations[item.item_id] === undefined && (spentUsd === 0 || r.spent[item.item_id] !== undefined)) return undefined;
    const { [item.item_id]: _held, ...reservations } = r.reservations;
    return { reservations, spent: spentUsd > 0 ? { ...r.spent, [item.item_id]: round6(spentUsd) } : r.spent };
  });
}

async function toEnding(
  deps: AdvanceDeps,
  item: BenchmarkRunItem,
  reason: string | undefined,
  endReason: 'deleted' | 'consumer_done' = 'consumer_done',
): Promise<BenchmarkRunItem> {
  if (item.session_id) await endItemSession(deps, item.session_id, endReason);
  return setItem(deps, item, {
    status: 'ending',
    ending_since: deps.clock().toISOString(),
    ...(reason && !item.result_id ? { reason } : {}),
  });
}

async function setItem(
  deps: { runs: BenchmarkRunStore; clock: () => Date },
  item: BenchmarkRunItem,
  changes: Partial<BenchmarkRunItem>,
): Promise<BenchmarkRunItem> {
  const from = item.status;
  const { item: stored } = await deps.runs.applyItem(item.run_id, item.item_id, (cur) =>
    cur.status === from && !isFinalItem(cur.status) ? { ...changes, updated_at: deps.clock().toISOString() } : undefined,
  );
  return stored;
}

export interface RunBenchmarkDeps {
  runs: BenchmarkRunStore;
  results: BenchmarkStore;
  sessions: SessionStore;
  cipher: SecretCipher;
  ssh: SshCommandRunner;
  clock: () => Date;
  timeoutMs: number;
  newId: () => string;
}

/**
 * Runs the benchmark command on the item's instance over SSH with the broker's key and the verified host key, stores
 * the figures as a result, and moves the item on to ending. A command that fails or prints no figures ends the item
 * too (with the reason): the session costs money while it sits there.
 */
export async function runBenchmark(deps: RunBenchmarkDeps, ref: ItemRef): Promise<ItemRef> {
  const [run, item] = await Promise.all([deps.runs.get(ref.run_id), deps.runs.item(ref.run_id, ref.item_id)]);
  if (!run || !item) throw new NotFoundError(`benchmark run ${ref.run_id} item ${ref.item_id} not found`);
  if (item.status !== 'benchmarking' || !item.session_id) return ref;
  const session = await deps.sessions.get(item.session_id);
  const secret = session?.ssh ? await deps.sessions.getSecret(session.id) : undefined;
  const end = (changes: Partial<BenchmarkRunItem>) =>
    deps.runs.applyItem(ref.run_id, ref.item_id, (cur) =>
      cur.status === 'benchmarking' ? { status: 'ending', ending_since: deps.clock().toISOString(), updated_at: deps.clock().toISOString(), ...changes } : undefined,
    );
  if (!session?.ssh || !secret || session.status !== 'running') {
    await end({ reason: 'the session stopped running before the benchmark' });
    return ref;
  }
  const key = await deps.cipher.decrypt(secret.private_key_ciphertext, { session_id: session.id });
  const spec = run.spec;
  const command = benchmarkCommand({ model: item.model, runtime: spec.runtime, quantization: spec.quantization, max_concurrency: spec.max_concurrency });
  let stdout = '';
  let code: number | null = null;
  try {
    ({ stdout, code } = await deps.ssh.run(session.ssh, key, command, {
      timeoutMs: deps.timeoutMs,
      hostKeyFingerprint: session.host_key_fingerprint,
    }));
  } catch (err) {
    await end({ reason: `benchmark over SSH failed: ${(err as Error).message}` });
    return ref;
  }
  const figures = code === 0 ? parseBenchmarkOutput(stdout) : undefined;
  if (!figures) {
    await end({ reason: `the benchmark command exited ${code} without figures` });
    return ref;
  }
  const now = deps.clock().toISOString();
  const attempt = session.attempts.at(-1);
  const result: BenchmarkResult = {
    // one result per item: a retried task stores it once
    id: `${ref.run_id.slice(0, 24)}-${ref.item_id}`,
    model: item.model,
    ...(spec.quantization ? { quantization: spec.quantization } : {}),
    runtime: spec.runtime,
    gpu_type: session.gpu_type,
    gpu_count: session.gpu_count,
    provider: session.provider,
    offer_id: session.offer_id,
    ...(attempt?.host_id ? { host_id: attempt.host_id } : {}),
    ...figures,
    price_per_hour: session.price_per_hour,
    consumer_id: run.consumer_id,
    run_id: run.id,
    session_id: session.id,
    measured_at: now,
    created_at: now,
  };
  await deps.results.put(result);
  await end({ result_id: result.id });
  return ref;
}

export async function finishRun(deps: { runs: BenchmarkRunStore; clock: () => Date }, runId: string): Promise<{ run_id: string; status: string }> {
  const now = deps.clock().toISOString();
  // an item the workflow had to abandon (its task kept failing) is marked so; its session ends at its expiry
  for (const item of await deps.runs.items(runId)) {
    if (!isFinalItem(item.status)) {
      await deps.runs.applyItem(runId, item.item_id, (cur) =>
        isFinalItem(cur.status) ? undefined : { status: 'failed', reason: cur.reason ?? 'abandoned by the workflow', updated_at: now },
      );
    }
  }
  const { run } = await deps.runs.applyRun(runId, (r) =>
    r.finished_at ? undefined : { status: r.status === 'cancelled' ? 'cancelled' : 'completed', finished_at: now },
  );
  return { run_id: runId, status: run.status };
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
