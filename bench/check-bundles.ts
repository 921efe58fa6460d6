// CI's bundle check: every function bundled as CDK bundles it must stay under the size limit and load in a fresh
// Node process (a bundle that throws at load — say, a missing __dirname — would fail every invocation in AWS).
// Load *time* is left to `npm run bench -- bundle`: a busy CI machine would make it a coin toss.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../local/runtime.ts';
import { functions } from '../shared/app-model.ts';
import { BUNDLE_LIMITS } from './bundle/bundle-limits.ts';
import { buildFunctionBundle } from './bundle/build-bundle.ts';
import { measureLoadTime } from './bundle/load-time.ts';

const outDir = mkdtempSync(path.join(tmpdir(), 'gs-bundles-'));
symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(outDir, 'node_modules'), 'dir');
const problems: string[] = [];
let largest = { id: '', bytes: 0 };
try {
  for (const spec of functions) {
    const bundle = await buildFunctionBundle(spec, outDir, PROJECT_ROOT);
    if (bundle.bytes > largest.bytes) largest = { id: spec.id, bytes: bundle.bytes };
    if (bundle.bytes >= BUNDLE_LIMITS.maxBytes) {
      problems.push(`${spec.id}: ${bundle.bytes} bytes (limit ${BUNDLE_LIMITS.maxBytes})`);
    }
    const load = await measureLoadTime(bundle.file, spec, { runs: 1, nodeOptions: ['--enable-source-maps'] });
    if (load.error) problems.push(`${spec.id}: the bundle fails to load: ${load.error}`);
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
if (problems.length) {
  process.stderr.write(`bundle check failed:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(
  `${functions.length} bundles under ${BUNDLE_LIMITS.maxBytes} bytes, all load (largest: ${largest.id}, ${largest.bytes} bytes)\n`,
);
