// `npm run chaos`: many sessions at once against the local runtime (`npm start`'s entry, as a child process) with
// simulated marketplaces, under provider faults, random task crashes, a restart in the middle and bursts of
// concurrent ends and extends; then, once everything settled, the guarantees are checked. Exits 1 on any violation.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { freePort } from '../local/free-port.ts';
import { readRuntimeFile } from '../local/runtime-file.ts';
import type { FaultTally } from '../local/sim/faults.ts';
import { seededRandom } from '../local/sim/random.ts';
import { allowances } from './allowances.ts';
import { ChaosApi, type Json } from './api-client.ts';
import {
  ACTIVE,
  type CheckResult,
  type CostLine,
  checkBudgetHolds,
  checkCosts,
  checkDeadTeardowns,
  checkDeadlines,
  type DeadTeardown,
  checkNoLiveInstances,
  checkNoServerErrors,
  checkRefunds,
  type SessionView,
  TERMINAL,
  type TimeWindow,
} from './checks.ts';
import { Observer } from './observer.ts';
import { budgetedConsumer, makePlans, newActorLog, type OfferRef, type Plan, runPlan } from './plans.ts';
import { RuntimeProcess } from './runtime-process.ts';
import { type ChaosSettings, chaosEnv, chaosScenario, DEFAULT_SETTINGS } from './scenario.ts';
import { printSummary, type Summary, sumCrashes, sumEnvironments, sumInvocations } from './summary.ts';

const int = (min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer ≥ ${min}`);
  return n;
};
const probability = (v: string) => {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('must be between 0 and 1');
  return n;
};

const program = new Command('chaos')
  .description('Chaos run: many sessions under faults against the local runtime, then the guarantees are checked')
  .option('--sessions <n>', 'sessions to run at once', int(1), 100)
  .option('--seed <n>', 'seed of the plans and the marketplaces (timing still varies from run to run)', int(0), 1)
  .option('--crash-rate <p>', 'chance that a state-machine task invocation crashes (before or after its work)', probability, DEFAULT_SETTINGS.crashRate)
  .option('--fail-tasks-share <p>', 'share of sessions whose StopProvisioning and CloseSession fail for good (first teardown run)', probability, DEFAULT_SETTINGS.failTasksShare)
  .option('--abort-teardowns <p>', 'chance that a running teardown execution is stopped (ABORTED)', probability, DEFAULT_SETTINGS.abortTeardownRate)
  .option('--hour-seconds <s>', 'how long a reserved hour lasts', int(5), DEFAULT_SETTINGS.hourSeconds)
  .option('--no-restart', 'do not restart the runtime in the middle')
  .option('--data-dir <dir>', 'where the runtime keeps its state (default: a fresh temporary directory)')
  .option('--keep', 'keep the data directory (its runtime.log) even when every check passes')
  .option('--json', 'print the summary as one JSON object')
  .parse();

const opts = program.opts<{
  sessions: number;
  seed: number;
  crashRate: number;
  failTasksShare: number;
  abortTeardowns: number;
  hourSeconds: number;
  restart: boolean;
  dataDir?: string;
  keep?: boolean;
  json?: boolean;
}>();

const settings: ChaosSettings = {
  ...DEFAULT_SETTINGS,
  crashRate: opts.crashRate,
  failTasksShare: opts.failTasksShare,
  abortTeardownRate: opts.abortTeardowns,
  hourSeconds: opts.hourSeconds,
};
const hourMs = settings.hourSeconds * 1000;
const say = (line: string) => {
  if (!opts.json) process.stderr.write(`[chaos] ${line}\n`);
};
/**
 * How far apart the broker's record of an instance's life and the marketplace's may be, at each end: the broker
 * records the creation when the create call returns and the destruction when the provider confirms it, each a call
 * (and, under load, a queue) away from the marketplace's own moment.
 */
const COST_TOLERANCE_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const since = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
  const began = Date.now();
  const workDir = opts.dataDir ? path.resolve(opts.dataDir) : mkdtempSync(path.join(tmpdir(), 'gs-chaos-'));
  const dataDir = path.join(workDir, 'data');
  const scenarioFile = path.join(workDir, 'scenario.json');
  const logFile = path.join(workDir, 'runtime.log');
  writeFileSync(scenarioFile, JSON.stringify(chaosScenario(settings, opts.seed), null, 2));
  const env = {
    ...chaosEnv(settings),
    DATA_DIR: dataDir,
    SIM_SCENARIO: scenarioFile,
    // fixed, so the restarted runtime answers where the first one did
    PORT: String(await freePort()),
    SIM_VASTAI_PORT: String(await freePort()),
    SIM_TENSORDOCK_PORT: String(await freePort()),
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  const runtime = new RuntimeProcess({ env, logFile, readyTimeoutMs: 180_000 });
  try {
    return await run(runtime, { began, workDir, dataDir });
  } finally {
    await runtime.close();
  }
}

async function run(runtime: RuntimeProcess, { began, workDir, dataDir }: { began: number; workDir: string; dataDir: string }): Promise<number> {
  const api = new ChaosApi();
  const restarts: TimeWindow[] = [];
  const faults: FaultTally = { rate_limited: 0, server_errors: 0, lost_create_responses: 0 };
  const runId = randomBytes(3).toString('hex');
  say(`${opts.sessions} sessions, seed ${opts.seed}, task crash rate ${settings.crashRate}, teardown tasks failing for ${settings.failTasksShare * 100}% of sessions, teardowns aborted at rate ${settings.abortTeardownRate}, a reserved hour = ${settings.hourSeconds} s; state in ${workDir}`);

  api.resume(await runtime.start());
  say(`runtime ready after ${since(began)}`);
  const info = readRuntimeFile(dataDir);
  if (!info) throw new Error(`no ${dataDir}/runtime.json after start`);
  const simOrigins: Record<string, string> = {};
  if (info.sim_env['VASTAI_API_URL']) simOrigins['vastai'] = new URL(info.sim_env['VASTAI_API_URL']).origin;
  if (info.sim_env['TENSORDOCK_API_URL']) simOrigins['tensordock'] = new URL(info.sim_env['TENSORDOCK_API_URL']).origin;
  let up = true;
  const observer = new Observer({
    api,
    sims: () => simOrigins,
    deploymentId: () => info.deployment_id,
    restarts,
    up: () => up,
    budgetedConsumer: budgetedConsumer(runId),
  });
  const readFaults = async () => {
    for (const origin of Object.values(simOrigins)) {
      const tally = (await (await fetch(`${origin}/_sim/faults`)).json()) as FaultTally;
      faults.rate_limited += tally.rate_limited;
      faults.server_errors += tally.server_errors;
      faults.lost_create_responses += tally.lost_create_responses;
    }
  };

  // inventory from both marketplaces (their listings are slow and fail now and then: the refresh retries)
  let offers: OfferRef[] = [];
  const readOffers = async () => {
    const { status, body } = await api.call<{ offers: OfferRef[] }>('GET', '/api/v1/inventory?limit=500');
    if (status === 200) offers = body.offers;
    return offers;
  };
  const inventoryDeadline = Date.now() + 120_000;
  while (new Set((await readOffers()).map((o) => o.provider)).size < Object.keys(simOrigins).length) {
    if (Date.now() > inventoryDeadline) throw new Error('inventory never listed both marketplaces');
    await sleep(1000);
  }
  say(`inventory: ${offers.length} offers after ${since(began)}`);

  const random = seededRandom(opts.seed);
  const staggerMs = Math.min(15_000, opts.sessions * 120);
  const plans = makePlans(opts.sessions, random, staggerMs);
  // the budgeted consumer may hold about half of what its sessions would ask for: creates and extends race for it
  const budgetLimit = budgetFor(plans, offers);
  const put = await api.call('PUT', `/api/v1/budgets/${encodeURIComponent(budgetedConsumer(runId))}`, { monthly_limit_usd: budgetLimit });
  if (put.status !== 200) throw new Error(`could not set the budget: ${put.status}`);
  observer.start(2000);
  const log = newActorLog();
  const startedAt = Date.now();
  const ctx = { api, observer, random, hourMs, runId, log, offers: () => offers, startedAt };
  const refresher = setInterval(() => void readOffers().catch(() => undefined), 3000);
  const actors = Promise.all(plans.map((p) => runPlan(ctx, p)));

  // the restart: while sessions are being created, provisioned and ended
  const restartStates: Record<string, number>[] = [];
  if (opts.restart) {
    await sleep(staggerMs / 2 + 2000);
    // the restart comes while some sessions are being provisioned and others are ending
    const statuses = () => [...observer.sessions.values()].map((s) => s.status);
    const busy = () => statuses().includes('stopping') && statuses().some((st) => st === 'pending' || st === 'provisioning');
    const latest = Date.now() + 20_000;
    while (!busy() && Date.now() < latest) await sleep(250);
    const states = tally(statuses());
    restartStates.push(states);
    say(`restart: SIGINT with sessions ${Object.entries(states).map(([k, v]) => `${k} ${v}`).join(', ')} (${since(began)})`);
    api.pause();
    await readFaults().catch(() => undefined);
    const window = { from: Date.now(), to: Number.POSITIVE_INFINITY };
    restarts.push(window);
    up = false;
    const code = await runtime.interrupt();
    if (code !== 0) say(`the runtime exited ${code} on SIGINT`);
    const url = await runtime.start();
    window.to = Date.now();
    up = true;
    api.resume(url);
    say(`runtime back after ${((window.to - window.from) / 1000).toFixed(1)} s down`);
  }

  await actors;
  clearInterval(refresher);
  say(`every consumer acted (${since(began)}); ending what is left`);
  await observer.tick();
  const survivors = [...observer.sessions.values()].filter((s) => ACTIVE.has(s.status));
  await Promise.all(survivors.map((s) => api.call('DELETE', `/api/v1/sessions/${s.id}`)));

  // settle: every session final, then every instance gone (orphans of lost creates wait out the grace period)
  const settleDeadline = Date.now() + 240_000;
  const allFinal = () => log.created.every((id) => TERMINAL.has(observer.sessions.get(id)?.status ?? ''));
  while (!allFinal() && Date.now() < settleDeadline) await sleep(1000);
  say(`${allFinal() ? 'every session final' : 'some sessions never became final'} (${since(began)})`);
  const orphanDeadline = Date.now() + (settings.orphanGraceSeconds + 4 * settings.reconcileSeconds) * 1000 + 30_000;
  const anyAlive = () => observer.instances.some((i) => i.gone === null);
  while (anyAlive() && Date.now() < orphanDeadline) await sleep(1000);
  say(`${anyAlive() ? 'instances still alive' : 'no instance alive'} (${since(began)})`);
  await observer.stop();
  await observer.tick();

  // what the checks look at
  const sessions = log.created.map((id) => observer.sessions.get(id)).filter((s): s is SessionView => s !== undefined);
  const { costs, teardownAt, deadTeardowns, unread } = await readBack(api, sessions);
  await readFaults().catch(() => undefined);
  await runtime.close();
  const crashes = sumCrashes(runtime.crashReports);
  const invocations = sumInvocations(runtime.invocationReports);
  const environments = sumEnvironments(runtime.environmentReports);

  const bounds = allowances(settings, (fn) => invocations[fn]?.max_ms ?? 0);
  const checks: CheckResult[] = [
    checkNoLiveInstances(observer.instances, observer.sessions, info.deployment_id, [...observer.lingering.values()], bounds.orphanMs),
    checkDeadlines(sessions, teardownAt, bounds.deadlineMs, restarts),
    checkRefunds(sessions, costs),
    checkCosts(sessions, costs, observer.instances, info.deployment_id, {
      toleranceMs: COST_TOLERANCE_MS,
      vanishDetectionMs: bounds.vanishDetectionMs,
      createListLagMs: settings.createListLagSeconds * 1000,
      restarts,
    }),
    checkNoServerErrors(api.requests, api.serverErrors),
    checkDeadTeardowns(deadTeardowns, observer.instances, info.deployment_id, bounds.orphanMs),
    checkBudgetHolds(observer.budgetSamples, budgetLimit, log.answers['create 402'] ?? 0),
  ];
  if (unread.length > 0) {
    checks.push({
      id: 'read-back',
      title: 'every session, cost and timeline could be read back',
      passed: false,
      checked: sessions.length * 2,
      violations: unread.map((p) => ({ id: p, detail: 'no 200 in 3 tries' })),
    });
  }
  if (log.created.length !== sessions.length) {
    checks.push({
      id: 'sessions-listed',
      title: 'every created session is listed',
      passed: false,
      checked: log.created.length,
      violations: log.created.filter((id) => !observer.sessions.has(id)).map((id) => ({ id, detail: 'not in GET /api/v1/sessions' })),
    });
  }

  const summary: Summary = {
    sessions_requested: opts.sessions,
    sessions_created: sessions.length,
    seed: opts.seed,
    duration_seconds: Math.round((Date.now() - began) / 1000),
    settings,
    plans: log.plans,
    refused_creates: log.refusedCreates,
    outcomes: tally(sessions.map((s) => `${s.status}${s.error_type ? ` (${s.error_type})` : ''}`)),
    ended_reasons: tally(sessions.map((s) => s.ended_reason ?? 'none')),
    attempts: tally(sessions.flatMap((s) => s.attempts.map((a) => `${a.outcome}${a.error_type ? ` (${a.error_type})` : ''}`))),
    answers: log.answers,
    unexpected_answers: log.unexpected,
    api: { requests: api.requests, by_status: api.statusCounts, network_errors: api.networkErrors },
    invocations,
    environments,
    faults: {
      provider_429: faults.rate_limited,
      provider_5xx: faults.server_errors,
      lost_create_answers: faults.lost_create_responses,
      task_crashes_before: crashes.before,
      task_crashes_after: crashes.after,
      task_crashes_by_function: crashes.by_function,
      teardown: crashes.teardown ?? { failed_tasks: 0, failing_sessions: 0, teardowns_aborted: 0 },
      teardowns_rerun: deadTeardowns.length,
      restarts: restarts.map((w) => Math.round((w.to - w.from) / 100) / 10),
      sessions_at_restart: restartStates,
      instances_by_host: tally(observer.instances.map(behaviourOf)),
    },
    allowances: bounds.formulas,
    checks,
    data_dir: workDir,
  };
  const passed = checks.every((c) => c.passed);
  printSummary(summary, { json: opts.json ?? false });
  if (passed && !opts.keep && !opts.dataDir) rmSync(workDir, { recursive: true, force: true });
  else say(`state and runtime log kept in ${workDir}`);
  return passed ? 0 : 1;
}

/** Each session's cost lines and when its end was asked (its first `teardown_requested` event). */
async function readBack(api: ChaosApi, sessions: SessionView[]) {
  const costs = new Map<string, CostLine[]>();
  const teardownAt = new Map<string, string>();
  const deadTeardowns: DeadTeardown[] = [];
  const unread: string[] = [];
  const read = async <T>(p: string): Promise<T | undefined> => {
    for (let tries = 0; tries < 3; tries++) {
      const res = await api.call<T>('GET', p);
      if (res.status === 200) return res.body;
    }
    unread.push(p);
    return undefined;
  };
  for (const s of sessions) {
    costs.set(s.id, (await read<{ breakdown: CostLine[] }>(`/api/v1/costs?session_id=${s.id}`))?.breakdown ?? []);
    const events = (await read<{ events: Json[] }>(`/api/v1/sessions/${s.id}/events`))?.events ?? [];
    const requested = events.find((ev) => ev['type'] === 'teardown_requested');
    if (requested) teardownAt.set(s.id, String(requested['at']));
    for (const ev of events.filter((e) => e['type'] === 'teardown_restarted')) {
      deadTeardowns.push({ session: s.id, at: String(ev['at']), status: String(ev['previous_status']) });
    }
  }
  return { costs, teardownAt, deadTeardowns, unread };
}

function tally(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

/** The fault an instance was made to show: its host's behaviour in the scenario (chaos-* hosts misbehave). */
function behaviourOf(i: { host?: string }): string {
  return i.host?.startsWith('chaos-') ? i.host.replace(/^chaos-/, '') : 'healthy';
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[chaos] failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);

/** Half of what the budgeted sessions would hold at the median listed price, at least a cent. */
function budgetFor(plans: Plan[], offers: OfferRef[]): number {
  const prices = offers.map((o) => o.price_per_hour).sort((a, b) => a - b);
  const median = prices[Math.floor(prices.length / 2)] ?? 0.1;
  const wanted = plans.filter((p) => p.budgeted).reduce((n, p) => n + p.reservationHours * median, 0);
  return Math.max(0.01, Math.round((wanted / 2) * 100) / 100);
}
