// Builds one function's Lambda bundle exactly as the CDK stack does (infra/bundle-options.ts) and says what is in it.
import { statSync } from 'node:fs';
import path from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { LAMBDA_BUNDLE_OPTIONS, type LambdaBundleOptions } from '../../infra/bundle-options.ts';
import type { FunctionSpec } from '../../shared/app-model.ts';

interface FunctionBundle {
  functionId: string;
  /** the bundle's entry file (index.mjs) */
  file: string;
  bytes: number;
  sourceMapBytes: number;
  /** bytes in the bundle per package (`project` for our own code), biggest first */
  contributors: { name: string; bytes: number }[];
}

/** NodejsFunction's bundling props as esbuild options (format ESM, platform node, one output file). */
function esbuildOptions(options: LambdaBundleOptions = LAMBDA_BUNDLE_OPTIONS): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: options.target,
    minify: options.minify,
    sourcemap: options.sourceMap,
    keepNames: options.keepNames,
    mainFields: options.mainFields,
    external: options.externalModules,
    loader: options.loader,
    banner: { js: options.banner },
    logLevel: 'error',
  };
}

export async function buildFunctionBundle(spec: FunctionSpec, outDir: string, projectRoot: string): Promise<FunctionBundle> {
  const file = path.join(outDir, spec.id, 'index.mjs');
  const result = await build({
    ...esbuildOptions(),
    absWorkingDir: projectRoot,
    entryPoints: [path.join(projectRoot, spec.entry)],
    outfile: file,
    metafile: true,
  });
  const output = Object.entries(result.metafile.outputs).find(([name]) => name.endsWith('index.mjs'))?.[1];
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(input);
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return {
    functionId: spec.id,
    file,
    bytes: statSync(file).size,
    sourceMapBytes: LAMBDA_BUNDLE_OPTIONS.sourceMap ? statSync(`${file}.map`).size : 0,
    contributors: [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
  };
}

/** `node_modules/@smithy/core/dist/x.js` → `@smithy/core`; our own files → `project`. */
export function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return 'project';
  const [first, second] = input.slice(at + 'node_modules/'.length).split('/');
  return first?.startsWith('@') ? `${first}/${second}` : (first ?? input);
}
