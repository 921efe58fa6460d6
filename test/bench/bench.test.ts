// `npm run bench` must not rot: its formatting, argument parsing and checks, and one real section end to end (the
// bundle section for two functions, one of which imports ssh2) through the runner and its child process.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_LIMITS, bundleViolations } from '../../bench/bundle/bundle-limits.ts';
import { packageOf } from '../../bench/bundle/build-bundle.ts';
import { measureLoadTime } from '../../bench/bundle/load-time.ts';
import { parseArgs, UsageError } from '../../bench/cli.ts';
import { fmt, goal, renderSection, renderTable, type SectionResult, toJson, usd } from '../../bench/report.ts';
import { sectionEnvironment } from '../../bench/support/clean-env.ts';
import { referenceAttemptTimes, referenceDetectionLag } from '../../bench/support/reference-schedule.ts';
import { quantile, summarize } from '../../bench/support/stats.ts';
import { functionById } from '../../shared/app-model.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

const result: SectionResult = {
  section: 'demo',
  title: 'a demo section',
  quick: true,
  duration_s: 1.25,
  figures: { latency_ms: { p50: 12.5, p99: 80 }, offers: 10_100 },
  goals: [goal('p99', '< 100 ms', 80, true, 'ms'), goal('ratio', '< 1.5', 2.1, false), goal('lost', '0', null, false)],
  tables: [{ title: 'Latency', columns: ['phase', 'n', 'p99'], rows: [['steady', 400, 80.25], ['in flight', 12, null]] }],
  notes: ['a note'],
};

describe('bench report formatting', () => {
  it('aligns a table: text left, figures right, missing values as –', () => {
    const lines = renderTable(result.tables[0]!).split('\n');
    expect(lines[0]).toBe('  Latency');
    expect(lines[1]).toBe('  phase        n   p99');
    expect(lines[3]).toBe('  steady     400  80.3');
    expect(lines[4]).toBe('  in flight   12     –');
  });

  it('renders a section with its goals, a missed goal as NO and an unmeasured one as n/a', () => {
    const text = renderSection(result);
    expect(text).toContain('demo: a demo section ━━ 1.3 s (--quick)');
    expect(text).toMatch(/p99 +< 100 ms +80 ms +yes/);
    expect(text).toMatch(/ratio +< 1.5 +2.10 +NO/);
    expect(text).toMatch(/lost +0 +– +n\/a/);
    expect(text).toContain('· a note');
  });

  it('puts every section under its name in one JSON object, figures and goals included', () => {
    const json = JSON.parse(JSON.stringify(toJson([result, { ...result, section: 'other', error: 'boom' }])));
    expect(Object.keys(json)).toEqual(['demo', 'other']);
    expect(json.demo).toMatchObject({ duration_s: 1.3, quick: true, offers: 10_100, latency_ms: { p99: 80 } });
    expect(json.demo.goals[1]).toEqual({ name: 'ratio', target: '< 1.5', value: 2.1, met: false });
    expect(json.demo.goals[2].met).toBeNull();
    expect(json.other.error).toBe('boom');
  });

  it('formats numbers and dollars readably', () => {
    expect(fmt(12_345.6)).toBe('12,346');
    expect(fmt(6)).toBe('6');
    expect(fmt(0.001234, 's')).toBe('0.00123 s');
    expect(usd(14.3)).toBe('$14.30');
    expect(usd(0.4281)).toBe('$0.4281');
    expect(usd(0.0000471)).toBe('$0.000047');
  });
});

describe('bench arguments', () => {
  it('runs every section by default, and named ones in the canonical order', () => {
    expect(parseArgs([]).sections).toEqual(['inventory', 'provisioning', 'api', 'cost', 'scale', 'bundle']);
    expect(parseArgs(['bundle', 'inventory', '--json', '--quick'])).toMatchObject({
      sections: ['inventory', 'bundle'],
      json: true,
      quick: true,
      strict: false,
    });
    expect(parseArgs(['bundle', '--functions', 'A,B']).functions).toEqual(['A', 'B']);
  });

  it('refuses an unknown section or option', () => {
    expect(() => parseArgs(['inventroy'])).toThrow(UsageError);
    expect(() => parseArgs(['--fast'])).toThrow(UsageError);
  });
});

describe('bench sections run on defaults and simulated marketplaces only', () => {
  it("takes the product's settings and any real credential out of a section's environment", () => {
    const env = sectionEnvironment({
      PATH: '/usr/bin',
      HOME: '/root',
      VASTAI_API_KEY: 'real-key',
      TENSORDOCK_API_TOKEN: 'real-token',
      SSH_PROBE_INTERVAL_MS: '50',
      SIM_SCENARIO: 'x.json',
      DATA_DIR: '/somewhere',
      AWS_PROFILE: 'prod',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/root', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  });
});

describe('bench figures', () => {
  it('interpolates quantiles between ranks', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([], 0.5)).toBeNull();
    expect(summarize([10, 20, 30])).toMatchObject({ n: 3, p50: 20, max: 30, mean: 20 });
  });

  it("follows the reference system's SSH schedule: 15 s, then ×1.5 up to 60 s", () => {
    expect(referenceAttemptTimes(200)).toEqual([15, 37.5, 71.25, 121.875, 181.875, 241.875]);
    expect(referenceDetectionLag(5)).toBe(10);
    expect(referenceDetectionLag(15)).toBe(0);
    expect(referenceDetectionLag(100)).toBe(21.875);
  });

  it('attributes bundle bytes to packages', () => {
    expect(packageOf('node_modules/@smithy/core/dist/index.js')).toBe('@smithy/core');
    expect(packageOf('node_modules/zod/v4/core/schemas.js')).toBe('zod');
    expect(packageOf('shared/domain/offer.ts')).toBe('project');
  });
});

describe('bundle limits', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gs-bench-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names every limit a bundle breaks', () => {
    expect(bundleViolations({ functionId: 'Ok', bytes: 1000, loadMs: 50 })).toEqual([]);
    expect(bundleViolations({ functionId: 'Big', bytes: BUNDLE_LIMITS.maxBytes, loadMs: 50 })).toEqual([
      `Big: bundle is ${BUNDLE_LIMITS.maxBytes} bytes (limit ${BUNDLE_LIMITS.maxBytes})`,
    ]);
    expect(bundleViolations({ functionId: 'Slow', bytes: 10, loadMs: 450 })[0]).toContain('450 ms (limit 300)');
    expect(bundleViolations({ functionId: 'Broken', bytes: 10, loadError: 'ReferenceError: x' })[0]).toContain('fails to load');
  });

  it('reports the error of a bundle that throws at load instead of a time', async () => {
    const broken = path.join(dir, 'broken.mjs');
    writeFileSync(broken, 'export const x = __dirname;\n');
    const loaded = await measureLoadTime(broken, functionById('NotFoundApi'), { runs: 2 });
    expect(loaded.runs).toEqual([]);
    expect(loaded.error).toMatch(/ReferenceError: __dirname is not defined/);

    const fine = path.join(dir, 'fine.mjs');
    writeFileSync(fine, 'export const handler = async () => ({});\n');
    const ok = await measureLoadTime(fine, functionById('NotFoundApi'), { runs: 2 });
    expect(ok.error).toBeUndefined();
    expect(ok.runs).toHaveLength(2);
  });
});

describe('npm run bench -- bundle --json (runner, section process, esbuild, fresh Node processes)', () => {
  it('prints one JSON object with the bundle figures, and the ssh2 bundle loads', { timeout: 120_000 }, async () => {
    const { stdout } = await run(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      ['bench/run.ts', 'bundle', '--quick', '--json', '--functions', 'NotFoundApi,VerifySsh'],
      { cwd: ROOT, maxBuffer: 10 * 1024 * 1024 },
    );
    const json = JSON.parse(stdout);
    expect(Object.keys(json)).toEqual(['bundle']);
    const fns = json.bundle.functions as { function: string; bytes: number; load_ms: number | null; load_error: string | null }[];
    expect(fns.map((f) => f.function)).toEqual(['NotFoundApi', 'VerifySsh']);
    for (const f of fns) {
      expect(f.load_error).toBeNull();
      expect(f.load_ms).toBeGreaterThan(0);
      expect(f.bytes).toBeGreaterThan(10_000);
      expect(f.bytes).toBeLessThan(BUNDLE_LIMITS.maxBytes);
    }
    const failed = json.bundle.goals.find((g: { name: string }) => g.name === 'bundles that fail to load');
    expect(failed).toMatchObject({ value: 0, met: true });
  });
});
