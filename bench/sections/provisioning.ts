// Section `provisioning` (issue 5): many sessions at once on simulated hosts whose SSH comes up 5–60 s after create,
// with the product's default probe settings. For each session: the lag between the simulated SSH server accepting
// the key and the session turning `running`, beside the lag the reference system's poll schedule would have; and
// the state transitions and task invocations its provisioning execution took.
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_PROVISIONING_SETTINGS as DEFAULTS } from '../../shared/use-cases/provisioning/deps.ts';
import { goal, type SectionOutput, type Table } from '../report.ts';
import { startBenchRuntime } from '../support/bench-runtime.ts';
import { referenceDetectionLag } from '../support/reference-schedule.ts';
import { bootScenario, spread } from '../support/scenarios.ts';
import { createSession, getSession, inParallel, sessionEvents, vastOfferIdsByPrice } from '../support/sessions.ts';
import { median, quantile, round, rounded, summarize } from '../support/stats.ts';
import type { SectionContext } from './types.ts';

const PROVISIONING_TASKS = new Set([
  'BeginProvisioning',
  'CreateInstance',
  'VerifySsh',
  'DestroyInstance',
  'RecordRefund',
  'ChooseRetryOffer',
  'MarkFailed',
  'MarkDestroyFailed',
]);
const BUCKETS: [number, number][] = [
  [5, 15],
  [15, 30],
  [30, 45],
  [45, 60],
];
const POST_CONCURRENCY = 10;
const TIMELINE_LABELS: Record<keyof SessionFigures['timeline'], string> = {
  instance_created: 'instance created (PUT /asks answered)',
  key_attached: 'session key attached to the instance',
  ssh_up: 'simulated SSH server up (boot done)',
  accepts_key: 'SSH accepts the key (later of the two above)',
  create_task_done: 'CreateInstance task done',
  first_probe: 'first SSH probe',
  running: 'session running',
};

interface SessionFigures {
  id: string;
  boot_s: number;
  status: string;
  error_type?: string;
  /** milestones, seconds after the POST was answered */
  timeline: {
    instance_created: number | null;
    key_attached: number | null;
    ssh_up: number | null;
    /** the simulated SSH server first accepts the session key: SSH up and the key attached */
    accepts_key: number | null;
    create_task_done: number | null;
    first_probe: number | null;
    running: number | null;
  };
  /** accepts the key → session running */
  lag_s: number | null;
  /** the part of the lag before the first probe: the key was accepted, nothing had probed yet */
  before_first_probe_s: number | null;
  /** the rest: accepts the key (or first probe, if later) → running */
  probe_loop_lag_s: number | null;
  reference_lag_s: number;
  transitions: number;
  /** transitions plus task retries, as Step Functions Standard bills them */
  billed_transitions: number;
  task_invocations: number;
  verify_ssh_invocations: number;
  verify_ssh_seconds: number;
}

export async function run(ctx: SectionContext): Promise<SectionOutput> {
  const boots = ctx.quick ? spread(10, 5, 20) : spread(40, 5, 60);
  // the documented provider limits 10× faster: the section measures SSH detection, not the providers' queue
  const bench = await startBenchRuntime({
    name: 'provisioning',
    scenario: bootScenario(boots),
    env: { SIM_RATE_LIMIT_SCALE: '0.1' },
    progress: ctx.progress,
  });
  try {
    await bench.fire('InventoryRefresh');
    const offerIds = await vastOfferIdsByPrice(bench.http);
    if (offerIds.length !== boots.length) throw new Error(`expected ${boots.length} offers, inventory has ${offerIds.length}`);

    ctx.progress(`creating ${boots.length} sessions, ${POST_CONCURRENCY} requests at a time (boots ${boots[0]}–${boots.at(-1)} s)`);
    const posts = await inParallel(boots, POST_CONCURRENCY, async (_boot, i) => {
      const res = await createSession(bench.http, offerIds[i]!, `bench-provisioning-${i}`);
      return { ...res, answeredAt: Date.now() };
    });
    const failedPosts = posts.filter((p) => p.status !== 201);
    if (failedPosts.length) throw new Error(`POST /sessions failed: ${JSON.stringify(failedPosts[0]!.body).slice(0, 300)}`);

    // wait for every provisioning execution to end, reporting progress
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      const running = bench.runtime.stepFunctions.allExecutions().filter((e) => e.status === 'RUNNING').length;
      if (running === 0) break;
      if (Date.now() > deadline) throw new Error(`${running} provisioning executions still running after 15 min`);
      ctx.progress(`${boots.length - running} of ${boots.length} sessions provisioned`);
      await sleep(10_000);
    }

    const sim = bench.runtime.sims.vastai;
    const instances = new Map((sim?.instances() ?? []).map((i) => [i.id, i]));
    const executions = new Map(bench.runtime.stepFunctions.allExecutions().map((e) => [e.name, e]));
    const sessions: SessionFigures[] = [];
    for (const [i, post] of posts.entries()) {
      const id = post.body.session!.id;
      const { body: s } = await getSession(bench.http, id);
      const firstProbe = (await sessionEvents(bench.http, id)).find((e) => e.type === 'ssh_attempt');
      const instanceId = s.attempts.find((a) => a.instance_id)?.instance_id;
      const instance = instanceId ? instances.get(instanceId) : undefined;
      const keys = instanceId ? (sim?.market.live(instanceId)?.keys ?? []) : [];
      const history = executions.get(id)?.history ?? [];
      const tasks = bench.invocations.records.filter((r) => r.sessionId === id && PROVISIONING_TASKS.has(r.functionId));
      const created = tasks.find((r) => r.functionId === 'CreateInstance' && r.ok);
      const verify = tasks.filter((r) => r.functionId === 'VerifySsh');
      const at = (iso?: string) => (iso ? Date.parse(iso) : undefined);
      const sshUp = at(instance?.ready_at);
      const keyAttached = keys.length ? Math.max(...keys.map((k) => k.created_at)) : undefined;
      const accepts = sshUp !== undefined && keyAttached !== undefined ? Math.max(sshUp, keyAttached) : undefined;
      const probed = at(firstProbe?.at);
      const running = at(s.verification?.ready_at);
      const rel = (t?: number) => (t === undefined ? null : round((t - post.answeredAt) / 1000, 2));
      const diff = (a?: number, b?: number) => (a === undefined || b === undefined ? null : round((a - b) / 1000, 2));
      const entered = history.filter((e) => e.type.endsWith('StateEntered')).length;
      sessions.push({
        id,
        boot_s: boots[i]!,
        status: s.status,
        ...(s.error_type ? { error_type: s.error_type } : {}),
        timeline: {
          instance_created: rel(at(instance?.created_at)),
          key_attached: rel(keyAttached),
          ssh_up: rel(sshUp),
          accepts_key: rel(accepts),
          create_task_done: rel(created ? created.at + created.ms : undefined),
          first_probe: rel(probed),
          running: rel(running),
        },
        lag_s: diff(running, accepts),
        before_first_probe_s:
          probed === undefined || accepts === undefined ? null : round(Math.max(0, probed - accepts) / 1000, 2),
        probe_loop_lag_s:
          running === undefined || accepts === undefined || probed === undefined ? null : diff(running, Math.max(accepts, probed)),
        reference_lag_s: round(referenceDetectionLag(boots[i]!), 2),
        transitions: entered,
        billed_transitions: entered + history.filter((e) => e.type.endsWith('Retried')).length,
        task_invocations: tasks.length,
        verify_ssh_invocations: verify.length,
        verify_ssh_seconds: round(verify.reduce((sum, r) => sum + r.ms, 0) / 1000, 1),
      });
    }
    const postMs = summarize(posts.map((p) => p.ms));
    return report(sessions, postMs, ctx.quick);
  } finally {
    await bench.stop();
  }
}

function report(sessions: SessionFigures[], postMs: ReturnType<typeof summarize>, quick: boolean): SectionOutput {
  const running = sessions.filter((s) => s.status === 'running' && s.lag_s !== null);
  const lags = running.map((s) => s.lag_s!);
  const refLags = sessions.map((s) => s.reference_lag_s);
  const waits = running.map((s) => s.before_first_probe_s).filter((v): v is number => v !== null);
  const loops = running.map((s) => s.probe_loop_lag_s).filter((v): v is number => v !== null);
  const lagMedian = median(lags);
  const lagP95 = quantile(lags, 0.95);
  const r2 = (v: number | null) => (v === null ? null : round(v, 2));

  const buckets = BUCKETS.map(([from, to]) => {
    const inBucket = sessions.filter((s) => s.boot_s >= from && (s.boot_s < to || (to === 60 && s.boot_s <= 60)));
    const pick = (f: (s: SessionFigures) => number | null) => inBucket.map(f).filter((v): v is number => v !== null);
    return {
      boot_s: `${from}–${to}`,
      sessions: inBucket.length,
      lag_s_median: r2(median(pick((s) => s.lag_s))),
      reference_lag_s_median: r2(median(pick((s) => s.reference_lag_s))),
      transitions_median: median(pick((s) => s.transitions)),
      transitions_max: inBucket.length ? Math.max(...pick((s) => s.transitions)) : null,
      billed_transitions_max: inBucket.length ? Math.max(...pick((s) => s.billed_transitions)) : null,
      task_invocations_median: median(pick((s) => s.task_invocations)),
      task_invocations_max: inBucket.length ? Math.max(...pick((s) => s.task_invocations)) : null,
      verify_ssh_seconds_median: median(pick((s) => s.verify_ssh_seconds)),
    };
  }).filter((b) => b.sessions > 0);
  const longest = buckets.at(-1)!;
  const milestones = Object.keys(sessions[0]!.timeline) as (keyof SessionFigures['timeline'])[];
  const timeline = Object.fromEntries(
    milestones.map((m) => [m, summarize(sessions.map((s) => s.timeline[m]).filter((v): v is number => v !== null))]),
  ) as Record<keyof SessionFigures['timeline'], ReturnType<typeof summarize>>;

  const bucketTable: Table = {
    title: 'Per boot-time bucket (medians unless marked max)',
    columns: ['boot s', 'sessions', 'lag s', 'reference lag s', 'transitions', 'max', 'billed max', 'invocations', 'max', 'VerifySsh s'],
    rows: buckets.map((b) => [
      b.boot_s,
      b.sessions,
      b.lag_s_median,
      b.reference_lag_s_median,
      b.transitions_median,
      b.transitions_max,
      b.billed_transitions_max,
      b.task_invocations_median,
      b.task_invocations_max,
      b.verify_ssh_seconds_median,
    ]),
  };
  const failed = sessions.filter((s) => s.status !== 'running');
  return {
    figures: {
      sessions: sessions.length,
      running: running.length,
      not_running: failed.map((s) => ({ id: s.id, boot_s: s.boot_s, status: s.status, error_type: s.error_type })),
      detection_lag_s: { median: r2(lagMedian), p95: r2(lagP95), max: lags.length ? Math.max(...lags) : null },
      lag_parts_s: {
        before_first_probe: { median: r2(median(waits)), p95: r2(quantile(waits, 0.95)), max: waits.length ? Math.max(...waits) : null },
        probe_loop: { median: r2(median(loops)), p95: r2(quantile(loops, 0.95)), max: loops.length ? Math.max(...loops) : null },
      },
      reference_detection_lag_s: { median: r2(median(refLags)), p95: r2(quantile(refLags, 0.95)), max: Math.max(...refLags) },
      timeline_s: Object.fromEntries(milestones.map((m) => [m, rounded(timeline[m], 1)])),
      post_sessions_ms: rounded(postMs),
      buckets,
      per_session: sessions,
    },
    goals: [
      goal('detection lag, median', '≤ 2 s', r2(lagMedian), lagMedian !== null && lagMedian <= 2, 's'),
      goal('detection lag, p95', '≤ 5 s', r2(lagP95), lagP95 !== null && lagP95 <= 5, 's'),
      goal(
        `state transitions per session, boot ${longest.boot_s} s (max)`,
        '≤ 30',
        longest.transitions_max,
        longest.transitions_max !== null && longest.transitions_max <= 30,
      ),
      goal('sessions running', `${sessions.length}`, running.length, running.length === sessions.length),
    ],
    tables: [
      {
        title: `Detection lag: SSH accepts the key → session running, ${sessions.length} sessions (s)`,
        columns: ['', 'median', 'p95', 'max'],
        rows: [
          ['GPU Shopper (measured)', r2(lagMedian), r2(lagP95), lags.length ? Math.max(...lags) : null],
          ['  of which: before the first probe', r2(median(waits)), r2(quantile(waits, 0.95)), waits.length ? Math.max(...waits) : null],
          ['  of which: probe loop', r2(median(loops)), r2(quantile(loops, 0.95)), loops.length ? Math.max(...loops) : null],
          ['reference schedule, same boots', r2(median(refLags)), r2(quantile(refLags, 0.95)), Math.max(...refLags)],
        ],
      },
      bucketTable,
      {
        title: 'Timeline of a session, s after POST /sessions answered (sessions sharing one Vast.ai client)',
        columns: ['milestone', 'p50', 'p95', 'max'],
        rows: milestones.map((m) => [TIMELINE_LABELS[m], timeline[m].p50, timeline[m].p95, timeline[m].max].map((v) =>
          typeof v === 'number' ? round(v, 1) : v,
        )),
      },
      {
        title: 'POST /sessions, ms',
        columns: ['n', 'p50', 'p95', 'p99', 'max'],
        rows: [[postMs.n, postMs.p50, postMs.p95, postMs.p99, postMs.max].map((v) => (v === null ? null : round(v, 1)))],
      },
    ],
    notes: [
      `${sessions.length} sessions created ${POST_CONCURRENCY} requests at a time on simulated Vast.ai hosts whose SSH accepts the key ${sessions[0]?.boot_s}–${sessions.at(-1)?.boot_s} s after create (evenly spread); product defaults for every probe setting (probe every ${DEFAULTS.probeIntervalMs / 1000} s, provider check every ${DEFAULTS.providerCheckIntervalMs / 1000} s, ${DEFAULTS.verifyRoundMs / 1000} s rounds); auto_retry off, so each session stays on its host.`,
      'Lag is measured from the moment the simulated SSH server first accepts the session key (the later of its ready_at and the key\'s attachment, both recorded by the simulator) to the session\'s verification.ready_at. The reference lag is what the reference system\'s schedule (first try 15 s after create, ×1.5, capped at 60 s) gives for the same boot time, ignoring its attempt durations.',
      'Transitions = StateEntered events of the session\'s provisioning execution; "billed" adds task retries, which Standard workflows also bill. Invocations = task Lambda invocations for the session (retries included).',
      '"Before the first probe": the server already accepted the key but nothing had probed it yet; "probe loop": the rest. The simulated marketplaces enforce the documented provider limits 10× faster (SIM_RATE_LIMIT_SCALE 0.1) and every call takes its turn from the shared pacing (one limiter per endpoint and key in DynamoDB, as every Lambda environment in AWS does). A create is three calls (PUT /asks, attach the key, list keys to confirm) and every VerifySsh round starts with a status read, each queued behind the other sessions\' calls to the same endpoint: see the timeline; the scale section measures that queue at the real limits.',
      ...(quick ? ['--quick: 10 sessions with boots of 5–20 s only; the 60 s-boot transition goal needs the full run.'] : []),
    ],
  };
}
