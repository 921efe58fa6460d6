// Section `api` (issue 6): latency of the session and inventory routes on the local runtime, one client driving
// sessions the way a consumer does (create, read, browse, end), beside the reference system's field report.
import { goal, type SectionOutput } from '../report.ts';
import { startBenchRuntime } from '../support/bench-runtime.ts';
import { FIELD_REPORT } from '../support/field-report.ts';
import { bench10k } from '../support/scenarios.ts';
import { createSession, getSession, vastOfferIdsByPrice } from '../support/sessions.ts';
import { round, rounded, type Summary, summarize } from '../support/stats.ts';
import type { SectionContext } from './types.ts';

const INVENTORY = '/api/v1/inventory';

export async function run(ctx: SectionContext): Promise<SectionOutput> {
  const iterations = ctx.quick ? 16 : 60;
  const warmup = 3;
  const bench = await startBenchRuntime({ name: 'api', scenario: bench10k(), progress: ctx.progress });
  try {
    ctx.progress('filling the inventory (10,100 offers)');
    await bench.fire('InventoryRefresh');
    const cold = await bench.http.request('GET', INVENTORY);
    const offerIds = await vastOfferIdsByPrice(bench.http);

    const samples: Record<string, number[]> = {
      'POST /sessions': [],
      'GET /sessions/{id}': [],
      'GET /inventory': [],
      'DELETE /sessions/{id}': [],
      'POST /sessions/{id}/done': [],
    };
    const statuses: Record<string, Record<number, number>> = {};
    const timed = async <R extends { status: number; ms: number }>(name: string, call: () => Promise<R>, keep: boolean): Promise<R> => {
      const res = await call();
      statuses[name] ??= {};
      statuses[name][res.status] = (statuses[name][res.status] ?? 0) + 1;
      if (keep) samples[name]!.push(res.ms);
      return res;
    };

    ctx.progress(`${iterations} sessions: create, read twice, browse, end (DELETE and done in turn)`);
    for (let i = 0; i < warmup + iterations; i++) {
      const keep = i >= warmup;
      const created = await timed('POST /sessions', () => createSession(bench.http, offerIds[i]!, `bench-api-${i}`), keep);
      const id = (created.body as { session?: { id: string } }).session?.id;
      if (!id) throw new Error(`POST /sessions answered ${created.status}: ${JSON.stringify(created.body).slice(0, 200)}`);
      for (let r = 0; r < 2; r++) await timed('GET /sessions/{id}', () => getSession(bench.http, id), keep);
      await timed('GET /inventory', () => bench.http.request('GET', INVENTORY), keep);
      if (i % 2 === 0) await timed('DELETE /sessions/{id}', () => bench.http.request('DELETE', `/api/v1/sessions/${id}`), keep);
      else await timed('POST /sessions/{id}/done', () => bench.http.request('POST', `/api/v1/sessions/${id}/done`), keep);
      if (keep && (i - warmup + 1) % 20 === 0) ctx.progress(`${i - warmup + 1} of ${iterations}`);
    }
    const summaries = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
    return report(summaries, cold.ms, statuses);
  } finally {
    await bench.stop();
  }
}

function report(s: Record<string, Summary>, coldMs: number, statuses: Record<string, Record<number, number>>): SectionOutput {
  const fr = FIELD_REPORT;
  const row = (name: string, mine: Summary, ref?: { avg: number; p99: number }) => [
    name,
    mine.n,
    mine.p50 === null ? null : round(mine.p50, 1),
    mine.p99 === null ? null : round(mine.p99, 1),
    ref?.avg,
    ref?.p99,
  ];
  const deleteP99 = s['DELETE /sessions/{id}']!.p99;
  const doneP99 = s['POST /sessions/{id}/done']!.p99;
  return {
    figures: {
      latency_ms: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, rounded(v)])),
      inventory_first_after_start_ms: round(coldMs),
      statuses,
      field_report_ms: fr,
    },
    goals: [
      goal('DELETE /sessions/{id} p99', '< 200 ms', deleteP99 === null ? null : round(deleteP99), deleteP99 !== null && deleteP99 < 200, 'ms'),
      goal('POST /sessions/{id}/done p99', '< 200 ms', doneP99 === null ? null : round(doneP99), doneP99 !== null && doneP99 < 200, 'ms'),
    ],
    tables: [
      {
        title: 'Latency, ms: local runtime (p50, p99) beside the field report (average, p99)',
        columns: ['route', 'n', 'p50', 'p99', 'field avg', 'field p99'],
        rows: [
          row('POST /sessions', s['POST /sessions']!, fr['POST /sessions']),
          row('GET /sessions/{id}', s['GET /sessions/{id}']!, fr['GET /sessions/{id}']),
          row('DELETE /sessions/{id}', s['DELETE /sessions/{id}']!, fr['DELETE /sessions/{id}']),
          row('POST /sessions/{id}/done', s['POST /sessions/{id}/done']!),
          row('GET /inventory (warm)', s['GET /inventory']!, fr['GET /inventory (warm)']),
          [
            'GET /inventory (cold: first after start)',
            1,
            round(coldMs, 1),
            null,
            fr['GET /inventory (cold)'].avg,
            fr['GET /inventory (cold)'].p99,
          ],
        ],
      },
    ],
    notes: [
      'One client, one request at a time, timed on its own thread; each session is created on its own offer of the 10,100-offer inventory, read twice, the inventory browsed (first 100 offers), then ended at once (DELETE and done in turn), so provisioning and teardown executions run in the background throughout, as in use.',
      'The field report measured the reference service in production (over the internet, against the real providers); these figures are the local runtime on this machine (handlers in one process, DynamoDB Local). They show what the design costs per request, not what a deployed API will answer in: API Gateway and Lambda add their own latency (and a cold start on a new instance).',
      `Answers per route and status: ${JSON.stringify(statuses)}.`,
    ],
  };
}
