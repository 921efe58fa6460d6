// Section `inventory` (issue 4): with 10,100 simulated offers whose listings take 5 s, GET /api/v1/inventory is
// hammered from another thread in steady state and while refreshes are in flight; each refresh's wall time is
// compared with the slowest provider's latency, and its DynamoDB writes are counted.
import { setTimeout as sleep } from 'node:timers/promises';
import { tensorDockOffers, vastAiOffers } from '../../local/sim/scenario.ts';
import { goal, type SectionOutput } from '../report.ts';
import { type BenchRuntime, startBenchRuntime } from '../support/bench-runtime.ts';
import { emptyUsage, type Usage } from '../support/dynamodb-capacity.ts';
import { changeSomePrices } from '../support/market-churn.ts';
import { bench10k } from '../support/scenarios.ts';
import { round, type Summary, rounded, summarize } from '../support/stats.ts';
import type { SectionContext } from './types.ts';

const PATH = '/api/v1/inventory';
const CONCURRENCY = 4;
/** after a refresh ends, readers load the new snapshot: that belongs to the refresh's cost */
const TAIL_MS = 2000;

interface RefreshFigures {
  kind: 'first fill' | 'changed' | 'unchanged';
  wall_ms: number;
  ratio_to_slowest_provider: number;
  /** counted at the DynamoDB client */
  write_requests: number;
  wru: number;
  read_requests: number;
  rru: number;
  /** what the refresh itself reports (metric InventoryWriteRequests) */
}

export async function run(ctx: SectionContext): Promise<SectionOutput> {
  const scenario = bench10k();
  const offers = vastAiOffers(scenario).length + tensorDockOffers(scenario).length;
  const slowestProviderMs =
    Math.max(scenario.vastai.listing_latency_seconds[1], scenario.tensordock.listing_latency_seconds[1]) * 1000;
  const changedRefreshes = ctx.quick ? 1 : 3;
  const steadyMs = ctx.quick ? 6000 : 12_000;

  ctx.progress(`starting the local runtime with ${offers} simulated offers`);
  const bench = await startBenchRuntime({ name: 'inventory', scenario, progress: ctx.progress });
  try {
    const refresh = async (kind: RefreshFigures['kind']): Promise<RefreshFigures> => {
      bench.dynamodb.take();
      ctx.capture.take();
      const started = performance.now();
      await bench.fire('InventoryRefresh');
      const wall = performance.now() - started;
      const usage: Usage = bench.dynamodb.take().get('RefreshInventory') ?? emptyUsage();
      const figures = {
        kind,
        wall_ms: Math.round(wall),
        ratio_to_slowest_provider: round(wall / slowestProviderMs, 2),
        write_requests: usage.writes,
        wru: usage.wru,
        read_requests: usage.reads,
        rru: usage.rru,
      };
      ctx.progress(`refresh (${kind}): ${figures.wall_ms} ms, ${figures.write_requests} write requests`);
      return figures;
    };

    ctx.progress('first fill of the inventory');
    const refreshes = [await refresh('first fill')];
    const cold = await bench.http.request('GET', PATH);
    for (let i = 0; i < 10; i++) await bench.http.request('GET', PATH);

    ctx.progress(`GET ${PATH} from ${CONCURRENCY} connections: steady state for ${steadyMs / 1000} s`);
    const loadStarted = Date.now();
    const load = bench.http.load(PATH, CONCURRENCY);
    await sleep(steadyMs);
    const windows: [number, number][] = [];
    const underLoad = async (kind: RefreshFigures['kind'], n: number) => {
      if (kind === 'changed') changeSomePrices(bench.runtime, n);
      const from = Date.now();
      refreshes.push(await refresh(kind));
      windows.push([from, Date.now() + TAIL_MS]);
      await sleep(TAIL_MS + 3000);
    };
    for (let i = 0; i < changedRefreshes; i++) await underLoad('changed', i);
    await underLoad('unchanged', 0);
    bench.http.stop();
    const samples = await load;

    const inWindow = (s: { at: number }) => windows.some(([from, to]) => s.at >= from && s.at <= to);
    const handler = bench.invocations.records.filter((x) => x.functionId === 'InventoryApi' && x.at >= loadStarted);
    const breakdown = ctx.quick ? undefined : await refreshBreakdown(bench, slowestProviderMs, ctx);
    const ok = samples.filter((s) => s.status === 200);
    const steady = summarize(ok.filter((s) => s.at >= loadStarted && !inWindow(s)).map((s) => s.ms));
    const inFlight = summarize(ok.filter(inWindow).map((s) => s.ms));
    return report({
      offers,
      slowestProviderMs,
      coldMs: cold.ms,
      servedPerRequest: (cold.body as { count?: number }).count ?? null,
      steady,
      inFlight,
      errors: samples.length - ok.length,
      refreshes,
      handlerSteady: summarize(handler.filter((x) => !inWindow(x)).map((x) => x.ms)),
      handlerInFlight: summarize(handler.filter(inWindow).map((x) => x.ms)),
      breakdown,
    });
  } finally {
    await bench.stop();
  }
}

function report(r: {
  offers: number;
  slowestProviderMs: number;
  coldMs: number;
  servedPerRequest: number | null;
  steady: Summary;
  inFlight: Summary;
  errors: number;
  refreshes: RefreshFigures[];
  handlerSteady: Summary;
  handlerInFlight: Summary;
  breakdown?: Breakdown;
}): SectionOutput {
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : round(a / b, 2));
  const p50Ratio = ratio(r.inFlight.p50, r.steady.p50);
  const p99Ratio = ratio(r.inFlight.p99, r.steady.p99);
  const worstP99 = Math.max(r.steady.p99 ?? 0, r.inFlight.p99 ?? 0);
  const underLoad = r.refreshes.filter((x) => x.kind !== 'first fill');
  const worstWall = Math.max(...underLoad.map((x) => x.ratio_to_slowest_provider));
  const worstWrites = Math.max(...r.refreshes.map((x) => x.write_requests));
  const latencyRow = (name: string, s: Summary) => [name, s.n, s.p50, s.p95, s.p99, s.max];
  return {
    figures: {
      offers: r.offers,
      offers_per_response: r.servedPerRequest,
      slowest_provider_latency_ms: r.slowestProviderMs,
      concurrency: CONCURRENCY,
      get_inventory_ms: { steady: rounded(r.steady), refresh_in_flight: rounded(r.inFlight) },
      get_inventory_first_after_start_ms: Math.round(r.coldMs),
      in_flight_over_steady: { p50: p50Ratio, p99: p99Ratio },
      failed_requests: r.errors,
      refreshes: r.refreshes,
      inventory_handler_ms: { steady: rounded(r.handlerSteady), refresh_in_flight: rounded(r.handlerInFlight) },
      ...(r.breakdown ? { refresh_breakdown_ms: r.breakdown } : {}),
    },
    goals: [
      goal('GET p50 in flight ÷ steady', '< 1.5', p50Ratio, p50Ratio !== null && p50Ratio < 1.5),
      goal('GET p99 in flight ÷ steady', '< 1.5', p99Ratio, p99Ratio !== null && p99Ratio < 1.5),
      goal('GET p99 (worse of steady, in flight)', '< 100 ms', round(worstP99), worstP99 < 100, 'ms'),
      goal('refresh wall time ÷ slowest provider (worst)', '< 1.3', worstWall, worstWall < 1.3),
      goal(`DynamoDB write requests per refresh (worst)`, '< 50', worstWrites, worstWrites < 50),
    ],
    tables: [
      {
        title: `GET ${PATH} (${r.servedPerRequest ?? '?'} of ${r.offers} offers per answer), ${CONCURRENCY} connections, ms`,
        columns: ['phase', 'requests', 'p50', 'p95', 'p99', 'max'],
        rows: [
          latencyRow('steady state', r.steady),
          latencyRow('refresh in flight', r.inFlight),
          latencyRow('  handler only, steady', r.handlerSteady),
          latencyRow('  handler only, in flight', r.handlerInFlight),
        ],
      },
      ...(r.breakdown
        ? [
            {
              title: 'Where a refresh\'s time beyond the provider latency goes (Vast.ai, 10,000 offers, ms)',
              columns: ['step', 'ms'],
              rows: [
                ['simulated marketplace builds and sends its 10,000-offer answer', r.breakdown.marketplace_answer],
                ['adapter: fetch, parse and map the listing (includes the line above)', r.breakdown.adapter_list_offers],
                ['clean the offers', r.breakdown.clean_offers],
                ['canonical JSON, hash and gzip the snapshot', r.breakdown.encode_snapshot],
              ] as [string, number][],
            },
          ]
        : []),
      {
        title: `Refreshes (slowest provider answers in ${r.slowestProviderMs / 1000} s)`,
        columns: ['refresh', 'wall ms', '÷ slowest', 'write req', 'WRU', 'read req', 'RRU'],
        rows: r.refreshes.map((x) => [
          x.kind,
          x.wall_ms,
          x.ratio_to_slowest_provider,
          x.write_requests,
          x.wru,
          x.read_requests,
          x.rru,
        ]),
      },
    ],
    notes: [
      `"Refresh in flight" = requests started between firing the refresh and ${TAIL_MS / 1000} s after it ended (readers load the new snapshot then); "steady" = every other request. Failed requests: ${r.errors}. First GET after start (snapshot not yet in memory): ${Math.round(r.coldMs)} ms.`,
      '"changed" refreshes first move 2% of the simulated prices, so a new snapshot is written, as with a live market; "unchanged" confirms the stored one. Write requests are counted at the DynamoDB client; WRU are the request units DynamoDB Local reports (about one WRU per KB of compressed snapshot).',
      '"handler only" is the InventoryApi invocation itself; the rest of a request\'s latency is waiting behind the other connections\' requests on the one event loop (in AWS each concurrent request gets its own Lambda instance).',
      'Everything runs in one process here (handlers, simulated marketplaces and their 10,000-offer JSON, DynamoDB client): a refresh\'s parsing and compression share the CPU with the GETs. In AWS the refresh is a separate Lambda, so the in-flight ratio here is an upper bound.',
    ],
  };
}

interface Breakdown {
  marketplace_answer: number;
  adapter_list_offers: number;
  clean_offers: number;
  encode_snapshot: number;
}

/** Times the steps of one Vast.ai refresh on their own, the provider's configured latency taken off. */
async function refreshBreakdown(bench: BenchRuntime, latencyMs: number, ctx: SectionContext): Promise<Breakdown> {
  ctx.progress('timing the steps of a refresh one by one');
  const { providerRegistry } = await import('../../shared/composition/providers.ts');
  const { cleanOffers } = await import('../../shared/use-cases/refresh-inventory.ts');
  const { encodeOffers, CHUNK_BYTES } = await import('../../shared/adapters/dynamodb/inventory-layout.ts');
  const sim = bench.runtime.sims.vastai!;
  let t = performance.now();
  const raw = await fetch(`${sim.url}/bundles/?q=${encodeURIComponent("{}")}`, { headers: { authorization: `Bearer ${sim.apiKey}` } });
  await raw.arrayBuffer();
  const marketplace = performance.now() - t - latencyMs;
  const vast = await providerRegistry().get('vastai');
  t = performance.now();
  const listed = await vast.listOffers({});
  const list = performance.now() - t - latencyMs;
  t = performance.now();
  const cleaned = cleanOffers(listed, 'vastai');
  const clean = performance.now() - t;
  t = performance.now();
  await encodeOffers(cleaned.offers, CHUNK_BYTES);
  const encode = performance.now() - t;
  return {
    marketplace_answer: Math.round(marketplace),
    adapter_list_offers: Math.round(list),
    clean_offers: Math.round(clean),
    encode_snapshot: Math.round(encode),
  };
}
