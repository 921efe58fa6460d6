// Section `scale` (issue 16): a burst of sessions (300; --quick 60) requested within 10 s against the simulated
// marketplaces enforcing the providers' documented request limits as documented (SIM_RATE_LIMIT_SCALE 1), with the
// product's shared pacing in DynamoDB. Reports what the marketplaces saw per endpoint against their limits, the
// sessions that failed for rate limits, the time until all run against what the create interval allows, and what
// the pacing costs in DynamoDB.
import { setTimeout as sleep } from 'node:timers/promises';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { RateLimitReport } from '../../local/sim/rate-limits.ts';
import { parseScenario, type ScenarioInput } from '../../local/sim/scenario.ts';
import { documentClient } from '../../shared/composition/dynamodb.ts';
import { PACING_PK_PREFIX } from '../../shared/adapters/dynamodb/pacing-ledger.ts';
import { TENSORDOCK_RULE, VAST_RULES } from '../../shared/adapters/providers/pacing-rules.ts';
import { goal, type SectionOutput, type Table, usd } from '../report.ts';
import { PRICES } from '../support/aws-prices.ts';
import { startBenchRuntime } from '../support/bench-runtime.ts';
import { environmentFigures } from '../support/environments.ts';
import { startExternalSims } from '../support/external-sims.ts';
import { createSession, getSession, inParallel, type SessionBody } from '../support/sessions.ts';
import { round, summarize } from '../support/stats.ts';
import type { SectionContext } from './types.ts';

/** Sessions per provider: Vast.ai's one create per 4.5 s per key sets the pace; TensorDock takes the rest. */
const MIX = { full: { vastai: 100, tensordock: 200 }, quick: { vastai: 12, tensordock: 48 } };
const REQUEST_WINDOW_MS = 9_000;
const POST_CONCURRENCY = 12;
/**
 * Most environments per function. Lambda would start one per concurrent invocation; here an invocation beyond the cap
 * queues, and a CreateInstance queued behind others sleeping for their pacing slot runs into its task timeout
 * (States.Timeout), which AWS would never show. The full form needs far more than the short one.
 */
const MAX_ENVIRONMENTS = { full: 64, quick: 12 };
const BOOT_SECONDS = 5;
/** the brief's on-demand price per million write request units, beside the project's price table */
const WRU_USD_BRIEF = 1.25 / 1e6;
/** the fewest TensorDock requests a session can be running after: create, then one status read */
const TD_REQUESTS_PER_SESSION = 2;
const RATE_LIMIT_ERRORS = new Set(['ProviderRateLimitedError', 'ProviderPacingError']);

function scenario(vast: number, td: number) {
  const offer = (i: number, gpu: string, vram: number, location: string) => ({
    gpu,
    vram_gb: vram,
    price: Math.round((0.2 + i / 10_000) * 10_000) / 10_000,
    location,
    boot_seconds: BOOT_SECONDS,
  });
  return {
    seed: 16,
    vastai: { offers: Array.from({ length: vast }, (_, i) => offer(i, 'RTX 4090', 24, 'Texas, US')) },
    tensordock: {
      offers: Array.from({ length: td }, (_, i) => offer(i, 'NVIDIA GeForce RTX 4090 PCIe 24GB', 24, 'Chubbuck, Idaho, United States')),
    },
  } satisfies ScenarioInput;
}

async function offerIds(bench: Awaited<ReturnType<typeof startBenchRuntime>>, provider: string): Promise<string[]> {
  const res = await bench.http.request<{ offers: { id: string }[] }>('GET', `/api/v1/inventory?provider=${provider}&limit=1000&sort=price`);
  if (res.status !== 200) throw new Error(`GET /api/v1/inventory answered ${res.status}`);
  return res.body.offers.map((o) => o.id);
}

interface PacingItem {
  pk: string;
  reservations?: number;
  failed_writes?: number;
  refused?: number;
  penalties?: number;
}

export async function run(ctx: SectionContext): Promise<SectionOutput> {
  const mix = ctx.quick ? MIX.quick : MIX.full;
  const total = mix.vastai + mix.tensordock;
  const maxEnvironments = ctx.quick ? MAX_ENVIRONMENTS.quick : MAX_ENVIRONMENTS.full;
  const input = scenario(mix.vastai, mix.tensordock);
  // the marketplaces in a process of their own, as the real ones are: a stall of the runtime's process then cannot
  // make two requests look closer together than they were sent
  const sims = await startExternalSims(input);
  const bench = await startBenchRuntime({
    name: 'scale',
    scenario: parseScenario(input),
    // the documented limits, enforced as documented, and the product's shared pacing in DynamoDB
    // every invocation in an execution environment of its own module state, as Lambda runs them; more per function
    // than this machine's default of 2, so a create sleeping for its pacing slot does not hold up another provider's
    env: { ...sims.env, SIM_RATE_LIMIT_SCALE: '1', PROVIDER_PACING: 'dynamodb', POWERTOOLS_LOG_LEVEL: 'ERROR', LOCAL_LAMBDA_MAX_ENVIRONMENTS: String(maxEnvironments) },
    lambdaEnvironments: 'threads',
    progress: ctx.progress,
  }).catch(async (err: unknown) => {
    await sims.stop();
    throw err;
  });
  try {
    await bench.fire('InventoryRefresh');
    const vast = (await offerIds(bench, 'vastai')).slice(0, mix.vastai);
    const td = (await offerIds(bench, 'tensordock')).slice(0, mix.tensordock);
    if (vast.length < mix.vastai || td.length < mix.tensordock) {
      throw new Error(`inventory has ${vast.length} Vast.ai and ${td.length} TensorDock offers, ${mix.vastai}+${mix.tensordock} needed`);
    }
    // interleaved, so both providers' sessions arrive across the whole window
    const plan = [
      ...vast.map((id, i) => ({ id, provider: 'vastai', at: i / mix.vastai })),
      ...td.map((id, i) => ({ id, provider: 'tensordock', at: i / mix.tensordock })),
    ].sort((a, b) => a.at - b.at);

    ctx.progress(`requesting ${total} sessions within ${REQUEST_WINDOW_MS / 1000} s (${mix.vastai} Vast.ai, ${mix.tensordock} TensorDock)`);
    const t0 = Date.now();
    let postRetries = 0;
    const posts = await inParallel(plan, POST_CONCURRENCY, async (p, i) => {
      const due = t0 + (i * REQUEST_WINDOW_MS) / total;
      if (due > Date.now()) await sleep(due - Date.now());
      const sentAt = Date.now();
      const key = `bench-scale-${i}-${t0}`;
      let res = await createSession(bench.http, p.id, `bench-scale-${i}`, key);
      // a client retries a 5xx (concurrent POSTs can lose a race on shared items under load)
      for (let retry = 0; res.status >= 500 && retry < 3; retry++) {
        postRetries += 1;
        await sleep(200 * (retry + 1));
        res = await createSession(bench.http, p.id, `bench-scale-${i}`, key);
      }
      return { ...res, provider: p.provider, sentAt };
    });
    const requestedWithinS = (Math.max(...posts.map((p) => p.sentAt)) - t0) / 1000;
    // 200: a retried create that had landed, replayed by its Idempotency-Key
    const failedPosts = posts.filter((p) => p.status !== 201 && p.status !== 200);
    if (failedPosts.length) throw new Error(`POST /sessions failed: ${JSON.stringify(failedPosts[0]!.body).slice(0, 300)}`);

    const deadline = Date.now() + (ctx.quick ? 6 : 25) * 60_000;
    for (;;) {
      const running = bench.runtime.stepFunctions.allExecutions().filter((e) => e.status === 'RUNNING').length;
      if (running === 0) break;
      if (Date.now() > deadline) {
        // report what happened: the sessions still provisioning count as not running
        ctx.progress(`${running} provisioning executions still running at the deadline`);
        break;
      }
      ctx.progress(`${total - running} of ${total} sessions provisioned`);
      await sleep(ctx.quick ? 5000 : 15_000);
    }

    const executions = bench.runtime.stepFunctions.allExecutions();
    const sessions: (SessionBody & { provider: string; sentAt: number; execution: string })[] = [];
    for (const post of posts) {
      const { body } = await getSession(bench.http, post.body.session!.id);
      // a session that did not get to running: how its provisioning execution ended (or that it never began)
      const own = executions.filter((e) => e.name === body.id && e.stateMachineArn.includes('Provisioning'));
      const execution = own.map((e) => `${e.status}${e.error ? ` ${e.error}` : ''} at ${e.history.at(-1)?.stateName ?? '–'}`).join(', ') || 'none';
      sessions.push({ ...body, provider: post.provider, sentAt: post.sentAt, execution });
    }
    const taskErrors = new Map<string, number>();
    const rateLimitedSessions = new Set<string>();
    // creates that kept their place behind a long queue (and came back for it through WaitForCreateSlot)
    const placesKept = { sessions: 0, waits: 0 };
    for (const e of executions) {
      const waits = e.history.filter((ev) => ev.type === 'WaitStateEntered' && ev.stateName === 'WaitForCreateSlot').length;
      placesKept.waits += waits;
      if (waits) placesKept.sessions += 1;
      for (const ev of e.history) {
        if (ev.type !== 'TaskFailed' || typeof ev.error !== 'string') continue;
        taskErrors.set(ev.error, (taskErrors.get(ev.error) ?? 0) + 1);
      }
      const session = sessions.find((s) => s.id === e.name);
      if (session && session.status !== 'running' && e.history.some((ev) => ev.type === 'TaskFailed' && RATE_LIMIT_ERRORS.has(String(ev.error)))) {
        rateLimitedSessions.add(e.name);
      }
    }
    const failedForRateLimits = sessions.filter(
      (s) => rateLimitedSessions.has(s.id) || s.error_type === 'provider_rate_limited' || s.error_type === 'provider_pacing',
    ).length;

    const limits = await sims.rateLimits();
    // every page: a Scan reads 1 MB at a time, and the pacing items are a few among 300 sessions' items
    const Items: Record<string, unknown>[] = [];
    for (let start: Record<string, unknown> | undefined, first = true; first || start; first = false) {
      const page = await documentClient().send(
        new ScanCommand({
          TableName: process.env['TABLE_NAME'],
          FilterExpression: 'begins_with(pk, :p)',
          ExpressionAttributeValues: { ':p': PACING_PK_PREFIX },
          ExclusiveStartKey: start,
        }),
      );
      Items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    }
    return report({
      ctx,
      total,
      mix,
      t0,
      requestedWithinS,
      postRetries,
      sessions,
      limits,
      taskErrors,
      failedForRateLimits,
      placesKept,
      pacing: Items as unknown as PacingItem[],
      environments: environmentFigures(bench.runtime.lambdas),
    });
  } finally {
    await bench.stop();
    await sims.stop();
  }
}

function report(r: {
  ctx: SectionContext;
  total: number;
  mix: { vastai: number; tensordock: number };
  t0: number;
  requestedWithinS: number;
  postRetries: number;
  sessions: (SessionBody & { provider: string; sentAt: number; execution: string })[];
  limits: Record<'vastai' | 'tensordock', RateLimitReport>;
  taskErrors: Map<string, number>;
  failedForRateLimits: number;
  placesKept: { sessions: number; waits: number };
  pacing: PacingItem[];
  environments: ReturnType<typeof environmentFigures>;
}): SectionOutput {
  const runningAt = (s: SessionBody) => (s.verification?.ready_at ? Date.parse(s.verification.ready_at) : undefined);
  const running = r.sessions.filter((s) => s.status === 'running' && runningAt(s) !== undefined);
  const toRunning = running.map((s) => (runningAt(s)! - s.sentAt) / 1000);
  const allRunningS = running.length ? (Math.max(...running.map((s) => runningAt(s)!)) - r.t0) / 1000 : null;
  // the fastest session, request to running: what one session takes with no queue in front of it
  const single = toRunning.length ? Math.min(...toRunning) : null;
  // a TensorDock session needs two of the organisation's requests at least (its create, and a status read for its
  // address): no client can start more than 50 a minute
  const createSpacing = {
    vastai: VAST_RULES['create']!.intervalMs / 1000,
    tensordock: (TENSORDOCK_RULE.intervalMs * TD_REQUESTS_PER_SESSION) / 1000,
  };
  const perProvider = (['vastai', 'tensordock'] as const).map((p) => {
    const mine = running.filter((s) => s.provider === p);
    const last = mine.length ? (Math.max(...mine.map((s) => runningAt(s)!)) - r.t0) / 1000 : null;
    const ideal = single === null ? null : (r.mix[p] - 1) * createSpacing[p] + single;
    return { provider: p, sessions: r.mix[p], running: mine.length, all_running_s: last === null ? null : round(last, 1), ideal_s: ideal === null ? null : round(ideal, 1) };
  });
  const ideal = Math.max(...perProvider.map((p) => p.ideal_s ?? 0)) || null;
  const ratio = allRunningS !== null && ideal ? round(allRunningS / ideal, 2) : null;

  const endpoints = (['vastai', 'tensordock'] as const).flatMap((p) =>
    r.limits[p].endpoints.filter((e) => e.seen > 0).map((e) => ({ provider: p, ...e })),
  );
  const lateViolations = endpoints.reduce((n, e) => n + e.violations_after_first_second, 0);
  const violations = endpoints.reduce((n, e) => n + e.violations, 0);

  const sum = (k: keyof PacingItem) => r.pacing.reduce((n, i) => n + Number(i[k] ?? 0), 0);
  const wru = { reservations: sum('reservations'), failed_conditional_writes: sum('failed_writes'), refusals: sum('refused'), penalties: sum('penalties') };
  // every pacing request is one UpdateItem on an item far below 1 KB: 1 WRU each, failed conditions included
  // (refusals are failed conditional writes already counted in failed_conditional_writes)
  const totalWru = wru.reservations + wru.failed_conditional_writes + wru.penalties;
  const per1000 = (totalWru / r.total) * 1000;
  const cost = { table_price: per1000 * PRICES.dynamoWriteRequestUnit.usd, at_1_25_per_million: per1000 * WRU_USD_BRIEF };

  const failed = r.sessions.filter((s) => s.status !== 'running');
  const timeline = summarize(toRunning);
  const allowance = (e: (typeof endpoints)[number]) => e.documented;
  const endpointTable: Table = {
    title: 'Requests the simulated marketplaces saw, per endpoint, against the documented limit (one API key / organisation)',
    columns: ['provider', 'endpoint', 'limit', 'seen', 'accepted', '429', 'after 1st s', 'max/s', 'max/window', 'min gap ms', 'mean/s'],
    rows: endpoints.map((e) => [
      e.provider,
      e.endpoint,
      allowance(e),
      e.seen,
      e.accepted,
      e.violations,
      e.violations_after_first_second,
      e.max_accepted_per_second,
      e.max_accepted_per_window,
      e.min_gap_ms,
      e.accepted_per_second.length ? round(e.accepted / e.accepted_per_second.length, 2) : null,
    ]),
  };
  return {
    figures: {
      sessions: r.total,
      mix: r.mix,
      requested_within_s: round(r.requestedWithinS, 1),
      post_sessions_retried_after_5xx: r.postRetries,
      running: running.length,
      not_running: failed.map((s) => ({ id: s.id, provider: s.provider, status: s.status, error_type: s.error_type })),
      failed_for_rate_limits: r.failedForRateLimits,
      violations: { total: violations, after_first_second: lateViolations },
      endpoints,
      time_to_all_running_s: allRunningS === null ? null : round(allRunningS, 1),
      ideal_s: ideal === null ? null : round(ideal, 1),
      ratio_to_ideal: ratio,
      per_provider: perProvider,
      single_session_s: single === null ? null : round(single, 1),
      session_request_to_running_s: timeline,
      task_errors: Object.fromEntries(r.taskErrors),
      environments: r.environments,
      pacing_dynamodb: {
        limiters: r.pacing.length,
        write_request_units: { ...wru, total: totalWru },
        wru_per_session: round(totalWru / r.total, 2),
        usd_per_1000_sessions: cost.table_price,
        usd_per_1000_sessions_at_1_25_per_million: cost.at_1_25_per_million,
      },
    },
    goals: [
      goal('violations of a documented limit after the first second', '0', lateViolations, lateViolations === 0),
      goal('sessions failed for rate limits', '0', r.failedForRateLimits, r.failedForRateLimits === 0),
      goal('time to all running / ideal the create interval allows', '≤ 1.3', ratio, ratio !== null && ratio <= 1.3),
      goal('sessions running', `${r.total}`, running.length, running.length === r.total),
    ],
    tables: [
      endpointTable,
      {
        title: 'Time to all running (s after the first request) against the ideal: (n − 1) × create spacing + one unqueued session',
        columns: ['provider', 'sessions', 'running', 'all running s', 'ideal s', 'create spacing s'],
        rows: perProvider.map((p) => [p.provider, p.sessions, p.running, p.all_running_s, p.ideal_s, createSpacing[p.provider]]),
      },
      {
        title: 'Creates that kept their place in a queue longer than a task sleeps (WaitForCreateSlot)',
        columns: ['sessions', 'waits'],
        rows: [[r.placesKept.sessions, r.placesKept.waits]],
      },
      {
        title: 'Sessions, request → running (s)',
        columns: ['n', 'p50', 'p95', 'max'],
        rows: [[timeline.n, timeline.p50, timeline.p95, timeline.max].map((v) => (v === null ? null : round(v, 1)))],
      },
      ...(failed.length
        ? [
            {
              title: 'Sessions not running at the end, by status and error type',
              columns: ['provider', 'status', 'error type', 'provisioning execution', 'sessions'],
              rows: countBy(failed, (s) => `${s.provider}\t${s.status}\t${s.error_type ?? '–'}\t${s.execution}`).map(([k, n]) => [...k.split('\t'), n]),
            },
          ]
        : []),
      {
        title: 'Task errors the state machine retried (all sessions)',
        columns: ['error', 'count'],
        rows: [...r.taskErrors.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v]),
      },
      {
        title: 'DynamoDB cost of the pacing (one UpdateItem per provider request, 1 WRU each)',
        columns: ['limiters', 'reservations', 'failed conditions', 'of which refusals', 'penalties', 'WRU/session', 'per 1,000 sessions', 'at $1.25/M'],
        rows: [[r.pacing.length, wru.reservations, wru.failed_conditional_writes, wru.refusals, wru.penalties, round(totalWru / r.total, 2), usd(cost.table_price), usd(cost.at_1_25_per_million)]],
      },
      {
        title: 'Execution environments (local Lambda host)',
        columns: ['started per function', 'cold start p50 ms', 'p95 ms'],
        rows: [[
          r.environments.started_per_function ? JSON.stringify(r.environments.started_per_function) : null,
          r.environments.cold_start_ms?.p50 ?? null,
          r.environments.cold_start_ms?.p95 ?? null,
        ]],
      },
    ],
    notes: [
      `${r.total} sessions (${r.mix.vastai} Vast.ai, ${r.mix.tensordock} TensorDock, one offer each, SSH up ${BOOT_SECONDS} s after create) requested within ${round(r.requestedWithinS, 1)} s; the simulated marketplaces, in a process of their own, enforce the documented limits as documented (SIM_RATE_LIMIT_SCALE 1) and answer 429 exactly when a rule is broken; the adapters pace through the shared DynamoDB ledger (PROVIDER_PACING=dynamodb, as in AWS).`,
      'Ideal: Vast.ai allows one create per 4.5 s per API key; TensorDock 100 requests a minute per organisation, and a session needs two of them at least (its create and a status read for its address), so one session per 1.2 s; the slowest provider sets the ideal. TensorDock creates take at most half the organisation\'s minute (our cap), so status reads always find room.',
      `DynamoDB: reservations, failed conditional writes (a busy limiter seen as idle or the reverse, and refusals beyond a caller's bound) and penalties are each one write request unit. Priced at the table's on-demand rate (${PRICES.dynamoWriteRequestUnit.per}) and at the $1.25 per million of the issue.`,
      ...(r.environments.note ? [`Environments and cold starts: null — ${r.environments.note}.`] : []),
      `Execution environments: worker threads, one invocation at a time each, at most ${r.ctx.quick ? MAX_ENVIRONMENTS.quick : MAX_ENVIRONMENTS.full} per function here (Lambda: one per concurrent invocation; reserved concurrency where the stack sets it).`,
      ...endpoints
        .filter((e) => e.refusals.length > 0)
        .map(
          (e) =>
            `Refused by ${e.provider} ${e.endpoint}: ${e.refusals.map((f) => `at ${f.at_s} s, ${f.gap_ms === null ? 'first' : `${f.gap_ms} ms after the last accepted`}${f.in_penalty ? ', in a penalty' : ''}`).join('; ')}.`,
        ),
      ...(r.ctx.quick ? ['--quick: 60 sessions (12 Vast.ai, 48 TensorDock); the full form requests 300.'] : []),
    ],
  };
}

function countBy<T>(items: T[], key: (item: T) => string): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}
