// Builds what the execution environments load: one esbuild pass over every function entry (and the environment's
// own worker code), with the deployed bundles' options, into a temporary directory. A worker then imports one
// plain ESM file per function, as Lambda loads its bundle: ~5× faster cold starts than compiling the sources with
// tsx inside every worker thread, and the same code path (bundled, names kept) that runs in AWS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { LAMBDA_BUNDLE_OPTIONS } from '../infra/bundle-options.ts';
import type { FunctionSpec } from '../shared/app-model.ts';

/** The entry name of the environment's worker code inside the build. */
const WORKER = '__environment-worker';

export class FunctionBundles {
  private built?: Promise<string>;
  private dir?: string;

  constructor(
    private readonly projectRoot: string,
    private readonly specs: FunctionSpec[],
  ) {}

  /** file URL of the bundled worker code */
  async workerUrl(): Promise<string> {
    return pathToFileURL(path.join(await this.build(), `${WORKER}.mjs`)).href;
  }

  /** file URL of a function's bundle */
  async entryUrl(functionId: string): Promise<string> {
    return pathToFileURL(path.join(await this.build(), `${functionId}.mjs`)).href;
  }

  /** Build now (once); later calls share the same build. */
  build(): Promise<string> {
    this.built ??= this.run();
    return this.built;
  }

  dispose(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private async run(): Promise<string> {
    this.dir = mkdtempSync(path.join(tmpdir(), 'gs-lambdas-'));
    const o = LAMBDA_BUNDLE_OPTIONS;
    const entryPoints: Record<string, string> = {
      [WORKER]: path.join(this.projectRoot, 'local/environment-worker.ts'),
      ...Object.fromEntries(this.specs.map((s) => [s.id, path.join(this.projectRoot, s.entry)])),
    };
    await build({
      absWorkingDir: this.projectRoot,
      entryPoints,
      outdir: this.dir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      // shared chunks: one pass for every function instead of one build each
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: `node${process.versions.node.split('.')[0]}`,
      keepNames: o.keepNames,
      mainFields: o.mainFields,
      // the SDK is bundled too: the temporary directory has no node_modules to resolve it from, as Lambda's runtime would
      external: o.externalModules.filter((m) => !m.startsWith('@aws-sdk/')),
      loader: o.loader,
      banner: { js: o.banner },
      // readable stacks in local logs; the deployed bundle is minified with a source map instead
      minify: false,
      logLevel: 'error',
    });
    return this.dir;
  }
}
