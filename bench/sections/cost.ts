// Section `cost` (issue 10): what the deployed stack would cost, from what the local runtime counts while it works —
// Lambda invocations and their durations, state transitions, DynamoDB request units, API requests, log bytes and
// metric streams — priced at AWS list prices (support/aws-prices.ts): per 1,000 sessions, and per idle month with
// 10,000 offers refreshed every minute.
import { setTimeout as sleep } from 'node:timers/promises';
import { type FunctionSpec, functions, schedules } from '../../shared/app-model.ts';
import { DEFAULT_PROVISIONING_SETTINGS } from '../../shared/use-cases/provisioning/deps.ts';
import { goal, type SectionOutput, type Table, usd } from '../report.ts';
import {
  API_ACCESS_LOG_BYTES,
  HOURS_PER_MONTH,
  LAMBDA_PLATFORM_LOG_BYTES,
  PRICES,
  PRICES_CHECKED,
  SFN_LOG_ENVELOPE_BYTES,
} from '../support/aws-prices.ts';
import { type BenchRuntime, startBenchRuntime } from '../support/bench-runtime.ts';
import { emptyUsage, totalUsage, type Usage } from '../support/dynamodb-capacity.ts';
import { changeSomePrices } from '../support/market-churn.ts';
import { bench10k } from '../support/scenarios.ts';
import { createSession, getSession, vastOfferIdsByPrice } from '../support/sessions.ts';
import { type StackResources, stackResources } from '../support/stack-resources.ts';
import { round } from '../support/stats.ts';
import type { SectionContext } from './types.ts';

const GB = 1024 ** 3;
/** the field report's mean SSH verification time (field-report.md, Performance Baseline) */
const FIELD_REPORT_SSH_S = 142;
/** a client polls its session this often while waiting (the bench's stand-in for gpu-deploy-llm) */
const POLL_MS = 5000;
/** one session every this often */
const SESSION_SPACING_MS = 3000;
/**
 * In AWS every task runs in its own Lambda instance with its own provider limiter, so no task waits for another
 * session's calls. Here all sessions share one process and one limiter (1 request/s for Vast.ai), and queueing
 * behind other sessions would be billed as Lambda time. Pacing is raised for this section so durations are the
 * work itself (the simulated marketplaces do not rate-limit).
 */
// the documented provider limits 50× faster in the simulated marketplaces and the pacing: the section measures AWS
// cost per session, not the wait for the providers (the scale section measures that)
const UNSHARED_PACING = { SIM_RATE_LIMIT_SCALE: '0.02' };

const memoryOf = (functionId: string) => functions.find((f: FunctionSpec) => f.id === functionId)?.memoryMb ?? 0;
const gbSeconds = (functionId: string, ms: number) => (ms / 1000) * (memoryOf(functionId) / 1024);

/** One scheduled run, as measured. */
interface RunFigures {
  ms: number;
  usage: Usage;
  log_bytes: number;
  streams: string[];
}

interface SessionPhase {
  sessions: number;
  running: number;
  stopped: number;
  mean_boot_s: number;
  api_requests: number;
  invocations: Record<string, { invocations: number; ms: number }>;
  transitions: number;
  executions: number;
  sfn_log_bytes: number;
  usage: Usage;
  usage_by_function: Record<string, Usage>;
  log_bytes: number;
  streams: string[];
}

export async function run(ctx: SectionContext): Promise<SectionOutput> {
  const scenario = bench10k();
  const bootRange: [number, number] = ctx.quick ? [5, 20] : [5, 60];
  for (const template of scenario.vastai.offers) template.boot_seconds = bootRange;
  const sessionCount = ctx.quick ? 6 : 20;

  const bench = await startBenchRuntime({ name: 'cost', scenario, env: UNSHARED_PACING, progress: ctx.progress });
  let refreshChanged: RunFigures[];
  let refreshUnchanged: RunFigures[];
  let sweeps: RunFigures[];
  let sessions: SessionPhase;
  try {
    ctx.progress('first fill of the inventory (10,100 offers)');
    await bench.fire('InventoryRefresh');
    refreshChanged = [];
    for (let i = 0; i < (ctx.quick ? 2 : 3); i++) {
      changeSomePrices(bench.runtime, i);
      refreshChanged.push(await scheduledRun(bench, ctx, 'InventoryRefresh'));
    }
    refreshUnchanged = [];
    for (let i = 0; i < (ctx.quick ? 1 : 2); i++) refreshUnchanged.push(await scheduledRun(bench, ctx, 'InventoryRefresh'));
    sweeps = [];
    for (let i = 0; i < 3; i++) sweeps.push(await scheduledRun(bench, ctx, 'SessionSweep'));
    sessions = await sessionPhase(bench, ctx, sessionCount);
  } finally {
    await bench.stop();
  }
  ctx.progress('counting the stack\'s alarms, keys and secrets (CDK synth, no bundling)');
  const stack = await stackResources();
  return report({ refreshChanged, refreshUnchanged, sweeps, sessions, stack, bootRange });
}

async function scheduledRun(bench: BenchRuntime, ctx: SectionContext, scheduleId: string): Promise<RunFigures> {
  const functionId = schedules.find((s) => s.id === scheduleId)!.functionId;
  bench.dynamodb.take();
  ctx.capture.take();
  const from = bench.invocations.records.length;
  await bench.fire(scheduleId);
  const record = bench.invocations.records.slice(from).find((r) => r.functionId === functionId);
  const captured = ctx.capture.take();
  const figures = {
    ms: Math.round(record?.ms ?? 0),
    usage: bench.dynamodb.take().get(functionId) ?? emptyUsage(),
    log_bytes: captured.bytes[functionId] ?? 0,
    streams: Object.keys(captured.streams),
  };
  ctx.progress(`${scheduleId}: ${figures.ms} ms, ${figures.usage.wru} WRU, ${figures.log_bytes} log bytes`);
  return figures;
}

/** Sessions through their whole life, as a client drives them; everything they cause is counted. */
async function sessionPhase(bench: BenchRuntime, ctx: SectionContext, count: number): Promise<SessionPhase> {
  const offerIds = await vastOfferIdsByPrice(bench.http);
  bench.dynamodb.take();
  ctx.capture.take();
  const from = bench.invocations.records.length;
  const requestsBefore = bench.http.requests;
  const executionsBefore = new Set(bench.runtime.stepFunctions.allExecutions().map((e) => e.executionArn));
  ctx.progress(`${count} sessions, one every ${SESSION_SPACING_MS / 1000} s: create, poll every ${POLL_MS / 1000} s until running, DELETE, poll until stopped`);

  const waitFor = async (id: string, statuses: string[]) => {
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      const { body } = await getSession(bench.http, id);
      if (statuses.includes(body.status)) return body.status;
      if (Date.now() > deadline) throw new Error(`session ${id} still ${body.status}`);
      await sleep(POLL_MS);
    }
  };
  const outcomes = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      await sleep(i * SESSION_SPACING_MS);
      const created = await createSession(bench.http, offerIds[i]!, `bench-cost-${i}`);
      const id = created.body.session?.id;
      if (!id) throw new Error(`POST /sessions answered ${created.status}`);
      const reached = await waitFor(id, ['running', 'failed']);
      if (reached === 'running') await bench.http.request('DELETE', `/api/v1/sessions/${id}`);
      const ended = await waitFor(id, ['stopped', 'failed']);
      return { reached, ended };
    }),
  );
  await bench.runtime.stepFunctions.settle(60_000);

  const invocations = Object.fromEntries(bench.invocations.byFunction(from));
  const executions = bench.runtime.stepFunctions.allExecutions().filter((e) => !executionsBefore.has(e.executionArn));
  const transitions = executions.reduce(
    (sum, e) => sum + e.history.filter((h) => h.type.endsWith('StateEntered') || h.type.endsWith('Retried')).length,
    0,
  );
  const sfnLogBytes = executions.reduce(
    (sum, e) => sum + e.history.reduce((s, h) => s + Buffer.byteLength(JSON.stringify(h)) + SFN_LOG_ENVELOPE_BYTES, 0),
    0,
  );
  const boots = (bench.runtime.sims.vastai?.instances() ?? []).map(
    (i) => (Date.parse(i.ready_at) - Date.parse(i.created_at)) / 1000,
  );
  const captured = ctx.capture.take();
  const usage = bench.dynamodb.take();
  return {
    sessions: count,
    running: outcomes.filter((o) => o.reached === 'running').length,
    stopped: outcomes.filter((o) => o.ended === 'stopped').length,
    mean_boot_s: boots.length ? round(boots.reduce((a, b) => a + b, 0) / boots.length, 1) : 0,
    api_requests: bench.http.requests - requestsBefore,
    invocations,
    transitions,
    executions: executions.length,
    sfn_log_bytes: sfnLogBytes,
    usage: totalUsage(usage),
    usage_by_function: Object.fromEntries(usage),
    log_bytes: Object.values(captured.bytes).reduce((a, b) => a + b, 0),
    streams: Object.keys(captured.streams),
  };
}

interface Line {
  item: string;
  quantity: number;
  unit: string;
  usd: number;
}

const line = (item: string, quantity: number, unit: string, price: { usd: number }): Line => ({
  item,
  quantity,
  unit,
  usd: quantity * price.usd,
});

function mean(runs: RunFigures[]): RunFigures {
  const n = runs.length;
  const sum = (f: (r: RunFigures) => number) => runs.reduce((a, r) => a + f(r), 0) / n;
  return {
    ms: sum((r) => r.ms),
    usage: { reads: sum((r) => r.usage.reads), writes: sum((r) => r.usage.writes), rru: sum((r) => r.usage.rru), wru: sum((r) => r.usage.wru) },
    log_bytes: sum((r) => r.log_bytes),
    streams: [...new Set(runs.flatMap((r) => r.streams))].sort(),
  };
}

function perThousandSessions(p: SessionPhase): Line[] {
  const k = 1000 / p.sessions;
  const invocations = Object.values(p.invocations).reduce((a, x) => a + x.invocations, 0);
  const gbs = Object.entries(p.invocations).reduce((a, [fn, x]) => a + gbSeconds(fn, x.ms), 0);
  const verifyInvocations = p.invocations['VerifySsh']?.invocations ?? 0;
  const logBytes = p.log_bytes + invocations * LAMBDA_PLATFORM_LOG_BYTES + p.api_requests * API_ACCESS_LOG_BYTES + p.sfn_log_bytes;
  return [
    line('Lambda duration (arm64)', gbs * k, 'GB-s', PRICES.lambdaArmGbSecond),
    line('Lambda requests', invocations * k, 'requests', PRICES.lambdaRequest),
    line('Step Functions state transitions', p.transitions * k, 'transitions', PRICES.stepFunctionsTransition),
    line('DynamoDB writes', p.usage.wru * k, 'WRU', PRICES.dynamoWriteRequestUnit),
    line('DynamoDB reads', p.usage.rru * k, 'RRU', PRICES.dynamoReadRequestUnit),
    line('HTTP API requests', p.api_requests * k, 'requests', PRICES.httpApiRequest),
    // the key is encrypted once at create and decrypted by every VerifySsh round
    line('KMS requests (encrypt at create, decrypt per VerifySsh)', (p.sessions + verifyInvocations) * k, 'requests', PRICES.kmsRequest),
    line('CloudWatch Logs ingestion', (logBytes * k) / GB, 'GB', PRICES.logsIngestionGb),
    // Step Functions tracing is on (one trace per execution); the functions run without active X-Ray tracing
    line('X-Ray traces (each execution)', p.executions * k, 'traces', PRICES.xrayTrace),
  ];
}

/**
 * Longer boots cost more: VerifySsh holds its invocation for the whole wait, and each further probe round is one
 * more invocation (a KMS decrypt, its DynamoDB writes) and three more transitions (VerifySsh, IsSshReady,
 * WaitForSsh). Extra cost per session when SSH takes `bootS` instead of the measured mean.
 */
function extraForBoot(p: SessionPhase, bootS: number): Line[] {
  const extraS = Math.max(0, bootS - p.mean_boot_s);
  const rounds = extraS / (DEFAULT_PROVISIONING_SETTINGS.verifyRoundMs / 1000 + 1);
  const verify = p.invocations['VerifySsh']?.invocations ?? 1;
  const verifyUsage = p.usage_by_function['VerifySsh'] ?? emptyUsage();
  const k = 1000;
  return [
    line('VerifySsh duration while waiting', extraS * (memoryOf('VerifySsh') / 1024) * k, 'GB-s', PRICES.lambdaArmGbSecond),
    line('VerifySsh requests', rounds * k, 'requests', PRICES.lambdaRequest),
    line('state transitions', rounds * 3 * k, 'transitions', PRICES.stepFunctionsTransition),
    line('KMS decrypts', rounds * k, 'requests', PRICES.kmsRequest),
    line('DynamoDB writes', (rounds * verifyUsage.wru * k) / verify, 'WRU', PRICES.dynamoWriteRequestUnit),
  ];
}

function idleMonth(changed: RunFigures, sweep: RunFigures, stack: StackResources, streams: string[], snapshotKb: number): Line[] {
  const minutes = HOURS_PER_MONTH * 60;
  const period = (id: string) => (schedules.find((s) => s.id === id)?.defaultPeriodSeconds ?? 60) / 60;
  const refreshRuns = minutes / period('InventoryRefresh');
  const sweepRuns = minutes / period('SessionSweep');
  // the reconciler (every 5 min) is modelled, not measured: one 256 MB run of 2 s (list both providers'
  // instances, read the unfinished sessions and its memory item), with the sweep's DynamoDB reads and logs
  const reconcileRuns = minutes / period('Reconcile');
  const reconcileMs = 2000;
  const gbs =
    refreshRuns * gbSeconds('RefreshInventory', changed.ms) +
    sweepRuns * gbSeconds('SessionSweep', sweep.ms) +
    reconcileRuns * (reconcileMs / 1000) * (256 / 1024);
  const runs = refreshRuns + sweepRuns + reconcileRuns;
  const logBytes =
    refreshRuns * changed.log_bytes + (sweepRuns + reconcileRuns) * sweep.log_bytes + runs * LAMBDA_PLATFORM_LOG_BYTES;
  const storedGb = (snapshotKb * 1024) / GB;
  return [
    line('Lambda duration (arm64)', gbs, 'GB-s', PRICES.lambdaArmGbSecond),
    line('Lambda requests', runs, 'requests', PRICES.lambdaRequest),
    line('EventBridge scheduled rule events', runs, 'events', PRICES.scheduledRuleEvent),
    line('DynamoDB writes', refreshRuns * changed.usage.wru + (sweepRuns + reconcileRuns) * sweep.usage.wru, 'WRU', PRICES.dynamoWriteRequestUnit),
    line('DynamoDB reads', refreshRuns * changed.usage.rru + (sweepRuns + reconcileRuns) * sweep.usage.rru, 'RRU', PRICES.dynamoReadRequestUnit),
    line('DynamoDB storage (both inventory snapshot slots)', storedGb, 'GB-month', PRICES.dynamoStorageGbMonth),
    line('DynamoDB point-in-time recovery', storedGb, 'GB-month', PRICES.dynamoPitrGbMonth),
    line('CloudWatch Logs ingestion', logBytes / GB, 'GB', PRICES.logsIngestionGb),
    line('CloudWatch Logs storage (30-day retention ≈ one month kept)', logBytes / GB, 'GB-month', PRICES.logsStorageGbMonth),
    line('CloudWatch custom metrics emitted every run', streams.length, 'metrics', PRICES.customMetricMonth),
    line(`CloudWatch alarms (${stack.alarms} alarms)`, stack.alarmMetrics, 'alarm metrics', PRICES.alarmMetricMonth),
    line('CloudWatch dashboards', stack.dashboards, 'dashboards', PRICES.dashboardMonth),
    line('KMS customer managed keys', stack.kmsKeys, 'keys', PRICES.kmsKeyMonth),
    line('Secrets Manager secrets', stack.secrets, 'secrets', PRICES.secretMonth),
    // each cold start of a provider-calling function reads the secret once; at most hourly for the two schedules
    line('Secrets Manager API calls (a cold start an hour, 2 functions)', 2 * HOURS_PER_MONTH, 'calls', PRICES.secretApiCall),
  ];
}

const total = (lines: Line[]) => lines.reduce((a, l) => a + l.usd, 0);

/** CloudWatch's always-free tier, per account and region: 10 custom metrics, 10 alarm metrics, 3 dashboards. */
const CLOUDWATCH_FREE: Record<string, number> = { metrics: 10, 'alarm metrics': 10, dashboards: 3 };

/** The same lines for an account whose CloudWatch free tier this stack alone uses. */
function withCloudWatchFreeTier(lines: Line[]): Line[] {
  return lines.map((l) => {
    const free = CLOUDWATCH_FREE[l.unit];
    if (free === undefined || l.quantity === 0) return l;
    const billed = Math.max(0, l.quantity - free);
    return { ...l, item: `${l.item}, after the free ${free}`, quantity: billed, usd: (l.usd * billed) / l.quantity };
  });
}

function lineTable(title: string, lines: Line[]): Table {
  return {
    title,
    columns: ['item', 'quantity', 'unit', 'cost'],
    rows: [
      ...lines.map((l) => [l.item, l.quantity === 0 ? 0 : Number(l.quantity.toPrecision(4)), l.unit, usd(l.usd)]),
      ['total', null, '', usd(total(lines))],
    ],
  };
}

function report(r: {
  refreshChanged: RunFigures[];
  refreshUnchanged: RunFigures[];
  sweeps: RunFigures[];
  sessions: SessionPhase;
  stack: StackResources;
  bootRange: [number, number];
}): SectionOutput {
  const changed = mean(r.refreshChanged);
  const unchanged = mean(r.refreshUnchanged);
  const sweep = mean(r.sweeps);
  const scheduleStreams = [...new Set([...changed.streams, ...sweep.streams])].sort();
  // the snapshot items: chunks are ~1 KB per WRU, two slots kept
  const snapshotKb = 2 * changed.usage.wru;
  const sessionLines = perThousandSessions(r.sessions);
  const idleChanging = idleMonth(changed, sweep, r.stack, scheduleStreams, snapshotKb);
  const idleSteady = idleMonth(unchanged, sweep, r.stack, scheduleStreams, snapshotKb);
  const perThousand = total(sessionLines);
  const atFieldBoot = perThousand + total(extraForBoot(r.sessions, FIELD_REPORT_SSH_S));
  const idle = total(idleChanging);
  const sessionStreams = r.sessions.streams.filter((s) => !scheduleStreams.includes(s));
  const p = r.sessions;
  const perSession = (v: number) => round(v / p.sessions, 2);
  const invocationsPerSession = Object.values(p.invocations).reduce((a, x) => a + x.invocations, 0) / p.sessions;
  const gbsPerSession = Object.entries(p.invocations).reduce((a, [fn, x]) => a + gbSeconds(fn, x.ms), 0) / p.sessions;
  const verify = p.invocations['VerifySsh'];
  const fixedLines = idleChanging.filter((l) => ['metrics', 'alarm metrics', 'dashboards', 'keys', 'secrets'].includes(l.unit));
  const writers = Object.entries(p.usage_by_function)
    .sort(([, a], [, b]) => b.wru - a.wru)
    .slice(0, 3)
    .map(([fn, u]) => `${fn} ${perSession(u.wru)} WRU in ${perSession(u.writes)} writes`);
  const biggest = [...idleChanging].sort((a, b) => b.usd - a.usd).slice(0, 4);

  return {
    figures: {
      prices: { checked: PRICES_CHECKED, region: 'us-east-1', items: PRICES },
      per_1000_sessions_usd: round(perThousand, 4),
      per_1000_sessions_usd_at_field_report_ssh_time: { ssh_s: FIELD_REPORT_SSH_S, usd: round(atFieldBoot, 4) },
      idle_month_usd: {
        market_changing_every_minute: round(idle, 2),
        market_unchanged: round(total(idleSteady), 2),
        market_changing_with_cloudwatch_free_tier: round(total(withCloudWatchFreeTier(idleChanging)), 2),
      },
      per_session: {
        sessions: p.sessions,
        running: p.running,
        stopped: p.stopped,
        boot_range_s: r.bootRange,
        mean_boot_s: p.mean_boot_s,
        api_requests: perSession(p.api_requests),
        lambda_invocations: round(invocationsPerSession, 2),
        lambda_gb_s: round(gbsPerSession, 3),
        verify_ssh_gb_s: verify ? round(gbSeconds('VerifySsh', verify.ms) / p.sessions, 3) : 0,
        state_transitions: perSession(p.transitions),
        executions: perSession(p.executions),
        dynamodb: {
          read_requests: perSession(p.usage.reads),
          rru: perSession(p.usage.rru),
          write_requests: perSession(p.usage.writes),
          wru: perSession(p.usage.wru),
        },
        dynamodb_by_function: Object.fromEntries(
          Object.entries(p.usage_by_function).map(([fn, u]) => [
            fn,
            { reads: perSession(u.reads), rru: perSession(u.rru), writes: perSession(u.writes), wru: perSession(u.wru) },
          ]),
        ),
        function_log_bytes: Math.round(p.log_bytes / p.sessions),
        step_functions_log_bytes: Math.round(p.sfn_log_bytes / p.sessions),
        invocations_by_function: Object.fromEntries(
          Object.entries(p.invocations).map(([fn, x]) => [fn, { invocations: perSession(x.invocations), ms: Math.round(x.ms / p.sessions) }]),
        ),
      },
      per_scheduled_run: { refresh_changed: changed, refresh_unchanged: unchanged, session_sweep: sweep },
      metric_streams: { schedules: scheduleStreams, sessions_add: sessionStreams },
      stack: r.stack,
      lines: { per_1000_sessions: sessionLines, idle_month_market_changing: idleChanging, idle_month_market_unchanged: idleSteady },
    },
    goals: [
      goal(`AWS cost per 1,000 sessions (boots ${r.bootRange[0]}–${r.bootRange[1]} s)`, '< $0.50', round(perThousand, 4), perThousand < 0.5, 'USD'),
      goal(
        `… projected at the field report's ${FIELD_REPORT_SSH_S} s SSH time`,
        '< $0.50',
        round(atFieldBoot, 4),
        atFieldBoot < 0.5,
        'USD',
      ),
      goal('AWS cost per idle month, 10,000 offers', '< $5', round(idle, 2), idle < 5, 'USD'),
      goal(
        '… with CloudWatch\'s always-free tier (10 metrics, 10 alarm metrics, 3 dashboards)',
        '< $5',
        round(total(withCloudWatchFreeTier(idleChanging)), 2),
        total(withCloudWatchFreeTier(idleChanging)) < 5,
        'USD',
      ),
    ],
    tables: [
      {
        title: `Per session, measured over ${p.sessions} sessions (boots ${r.bootRange[0]}–${r.bootRange[1]} s, mean ${p.mean_boot_s} s)`,
        columns: ['figure', 'per session'],
        rows: [
          ['API requests (create, polls every 5 s, delete)', perSession(p.api_requests)],
          ['Lambda invocations', round(invocationsPerSession, 2)],
          ['Lambda GB-s', round(gbsPerSession, 3)],
          ['  of which VerifySsh GB-s', verify ? round(gbSeconds('VerifySsh', verify.ms) / p.sessions, 3) : 0],
          ['state transitions (provisioning + teardown, retries included)', perSession(p.transitions)],
          ['DynamoDB read / write requests', `${perSession(p.usage.reads)} / ${perSession(p.usage.writes)}`],
          ['DynamoDB RRU / WRU', `${perSession(p.usage.rru)} / ${perSession(p.usage.wru)}`],
          ['function log bytes (handlers\' JSON lines and EMF)', Math.round(p.log_bytes / p.sessions)],
          ['Step Functions log bytes (level ALL, with data)', Math.round(p.sfn_log_bytes / p.sessions)],
        ],
      },
      lineTable('Cost per 1,000 sessions', sessionLines),
      lineTable(
        `Added per 1,000 sessions if SSH took the field report's ${FIELD_REPORT_SSH_S} s instead of ${p.mean_boot_s} s (projected from the figures above)`,
        extraForBoot(r.sessions, FIELD_REPORT_SSH_S),
      ),
      {
        title: 'One scheduled run (means)',
        columns: ['run', 'ms', 'read req', 'RRU', 'write req', 'WRU', 'log bytes'],
        rows: [
          ['inventory refresh, market changed', changed.ms, changed.usage.reads, changed.usage.rru, changed.usage.writes, changed.usage.wru, changed.log_bytes],
          ['inventory refresh, unchanged', unchanged.ms, unchanged.usage.reads, unchanged.usage.rru, unchanged.usage.writes, unchanged.usage.wru, unchanged.log_bytes],
          ['session sweep, no sessions', sweep.ms, sweep.usage.reads, sweep.usage.rru, sweep.usage.writes, sweep.usage.wru, sweep.log_bytes],
        ].map((row) => row.map((v) => (typeof v === 'number' ? round(v, 1) : v))),
      },
      lineTable('Idle month at 10,000 offers, the market changing every minute (every refresh writes a snapshot)', idleChanging),
      {
        title: 'Idle month, market unchanged all month (every refresh only confirms)',
        columns: ['', 'cost'],
        rows: [['total', usd(total(idleSteady))]],
      },
    ],
    notes: [
      `Prices: AWS list prices, us-east-1, no free tier (bench/support/aws-prices.ts names each source page; checked ${PRICES_CHECKED}). Quantities per 1,000 sessions are the measured per-session counts × 1,000.`,
      `DynamoDB writes per session, biggest writers: ${writers.join('; ')}.`,
      `Biggest items of the idle month: ${biggest.map((l) => `${l.item} ${usd(l.usd)}`).join('; ')}. Fixed items alone (metrics, alarms, keys, secret): ${usd(total(fixedLines))}.`,
      `Alarms are billed per metric they watch: ${r.stack.alarmList.filter((a) => a.metrics > 1).map((a) => `${a.id} watches ${a.metrics}`).join(', ') || 'none watch more than one'}.`,
      `Custom metrics: the schedules emit ${scheduleStreams.length} metric streams every run, billed $0.30 a month each (${scheduleStreams.map((s) => s.replace(/^GpuShopper\//, '')).join(', ')}). Sessions add ${sessionStreams.length} more (per provider and GPU type); each costs up to $0.30 a month, prorated by the hours in which it is emitted — a fixed-ish monthly cost per provider × GPU combination in use, not per session, so it is not in the per-1,000-sessions figure.`,
      'Lambda durations are wall times here (what Lambda bills), on a shared 2-core machine: the refresh waits 5 s on each simulated provider listing (bench-10k), and VerifySsh keeps its invocation open for a whole probe round while the instance boots, so its GB-s grow with the boot time (the field report\'s 90–200 s boots would cost more than the boots here).',
      'The documented provider limits run 50× faster in this section (SIM_RATE_LIMIT_SCALE 0.02, enforced by the simulated marketplaces and kept by the shared pacing): the wait for a provider\'s slot would be billed as Lambda time and swamp the per-session cost; the scale section measures that wait at the real limits.',
      'Not measured, modelled: the reconciler as one 256 MB, 2 s run every 5 minutes with the sweep\'s DynamoDB and log figures; Lambda platform log lines (350 B per invocation), API access logs (260 B per request), Step Functions log events (each history event + 250 B); KMS requests from the code paths (one encrypt per create, one decrypt per VerifySsh invocation); one X-Ray trace per execution (Step Functions tracing; the functions run without active tracing); secret reads on cold starts.',
    ],
  };
}
