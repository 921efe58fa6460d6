// Section `bundle` (issue 10): every app-model function bundled as CDK bundles it, its size, and its cold module
// load in a fresh Node process, against the limits in bench/bundle/bundle-limits.ts.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../local/runtime.ts';
import { type FunctionSpec, functions } from '../../shared/app-model.ts';
import { BUNDLE_LIMITS, bundleViolations } from '../bundle/bundle-limits.ts';
import { buildFunctionBundle } from '../bundle/build-bundle.ts';
import { measureLoadTime } from '../bundle/load-time.ts';
import { goal, type SectionOutput } from '../report.ts';
import { median, round } from '../support/stats.ts';
import type { SectionContext } from './types.ts';

/** What Lambda sets for every function (infra/constructs/service-function.ts). */
const DEPLOYED_NODE_OPTIONS = ['--enable-source-maps'];

export async function run(ctx: SectionContext): Promise<SectionOutput> {
  const selected = selectFunctions(ctx.functions);
  const runs = ctx.quick ? 2 : 5;
  const plainRuns = ctx.quick ? 1 : 3;
  const outDir = mkdtempSync(path.join(tmpdir(), 'gs-bench-bundle-'));
  // the SDK is external (Lambda's runtime provides it): resolve it from the project, as the runtime would
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(outDir, 'node_modules'), 'dir');
  try {
    const rows = [];
    for (const spec of selected) {
      const bundle = await buildFunctionBundle(spec, outDir, PROJECT_ROOT);
      const deployed = await measureLoadTime(bundle.file, spec, { runs, nodeOptions: DEPLOYED_NODE_OPTIONS });
      const plain = deployed.error ? { runs: [] } : await measureLoadTime(bundle.file, spec, { runs: plainRuns });
      const loadMs = median(deployed.runs);
      const figures = {
        function: spec.id,
        memory_mb: spec.memoryMb,
        bytes: bundle.bytes,
        source_map_bytes: bundle.sourceMapBytes,
        load_ms: deployed.error || loadMs === null ? null : round(loadMs),
        load_ms_runs: deployed.runs.map((ms) => round(ms)),
        load_ms_without_source_maps: median(plain.runs) === null ? null : round(median(plain.runs)!),
        load_error: deployed.error ?? null,
        biggest_parts: bundle.contributors.slice(0, 4).map((c) => ({ name: c.name, bytes: c.bytes })),
      };
      const violations = bundleViolations({
        functionId: spec.id,
        bytes: bundle.bytes,
        loadMs: figures.load_ms ?? undefined,
        loadError: deployed.error,
      });
      ctx.progress(`${spec.id}: ${bundle.bytes} bytes, load ${figures.load_ms ?? deployed.error} ms`);
      rows.push({ ...figures, violations });
    }
    return report(rows, runs, plainRuns);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function selectFunctions(ids: string[] | undefined): FunctionSpec[] {
  if (!ids?.length) return functions;
  return ids.map((id) => {
    const spec = functions.find((f) => f.id === id);
    if (!spec) throw new Error(`no function ${id} in the app model (${functions.map((f) => f.id).join(', ')})`);
    return spec;
  });
}

type Row = {
  function: string;
  bytes: number;
  source_map_bytes: number;
  load_ms: number | null;
  load_ms_without_source_maps: number | null;
  load_error: string | null;
  biggest_parts: { name: string; bytes: number }[];
  violations: string[];
};

function report(rows: Row[], runs: number, plainRuns: number): SectionOutput {
  const maxBytes = Math.max(...rows.map((r) => r.bytes));
  const loaded = rows.filter((r) => r.load_ms !== null);
  const failedToLoad = rows.filter((r) => r.load_error);
  const maxLoad = loaded.length ? Math.max(...loaded.map((r) => r.load_ms!)) : null;
  const kb = (b: number) => round(b / 1024, 1);
  return {
    figures: {
      limits: BUNDLE_LIMITS,
      load_runs: { deployed: runs, without_source_maps: plainRuns },
      node: process.version,
      functions: rows,
      violations: rows.flatMap((r) => r.violations),
    },
    goals: [
      goal('largest bundle', `< ${BUNDLE_LIMITS.maxBytes / 1e6} MB`, maxBytes, maxBytes < BUNDLE_LIMITS.maxBytes, 'bytes'),
      goal('bundles that fail to load', '0', failedToLoad.length, failedToLoad.length === 0),
      goal(
        'slowest cold module load (median)',
        `< ${BUNDLE_LIMITS.maxLoadMs} ms`,
        maxLoad,
        failedToLoad.length === 0 && maxLoad !== null && maxLoad < BUNDLE_LIMITS.maxLoadMs,
        'ms',
      ),
    ],
    tables: [
      {
        columns: ['function', 'bundle KB', 'map KB', 'load ms', 'load ms, no maps', 'biggest parts (KB)'],
        rows: rows.map((r) => [
          r.function,
          kb(r.bytes),
          kb(r.source_map_bytes),
          r.load_error ? `FAILS: ${r.load_error.slice(0, 60)}` : r.load_ms,
          r.load_ms_without_source_maps,
          r.biggest_parts
            .slice(0, 3)
            .map((p) => `${p.name.replace('@aws-lambda-powertools/', 'powertools/')} ${kb(p.bytes)}`)
            .join(', '),
        ]),
      },
    ],
    notes: [
      `Bundles built with infra/bundle-options.ts (the options CDK deploys with); load = median of ${runs} fresh \`node --enable-source-maps\` processes importing the bundle with the function's deployed environment (Lambda sets NODE_OPTIONS=--enable-source-maps); "no maps" = ${plainRuns} run(s) without it.`,
      `Measured on ${process.version} here, on a full x86 core. Lambda runs node22 on arm64 with CPU in proportion to memory (256 MB ≈ 1/7 vCPU), so a cold load there takes several times longer than these figures.`,
    ],
  };
}
