// The esbuild options every Lambda bundle is built with. The CDK functions (constructs/service-function.ts) and the
// bundle benchmark and limit check (bench/bundle/) both read them, so what is measured is what is deployed.

/** The part of `NodejsFunction`'s `bundling` props that is the same for every function. */
export interface LambdaBundleOptions {
  target: string;
  minify: boolean;
  sourceMap: boolean;
  keepNames: boolean;
  mainFields: string[];
  externalModules: string[];
  loader: Record<string, 'empty'>;
  banner: string;
}

export const LAMBDA_BUNDLE_OPTIONS: LambdaBundleOptions = {
  target: 'node22',
  minify: true,
  sourceMap: true,
  // names kept, because Step Functions routes on error class names
  keepNames: true,
  mainFields: ['module', 'main'],
  // the SDK v3 ships with the Node.js 22 runtime; ssh2's native speed-ups are optional (pure JS fallback)
  externalModules: ['@aws-sdk/*', 'cpu-features'],
  loader: { '.node': 'empty' },
  // ESM bundles still meet CommonJS dependencies that call require() or read __dirname (ssh2 does, at load)
  banner:
    "import{createRequire as __cr}from'module';import{fileURLToPath as __fu}from'url';import{dirname as __dn}from'path';" +
    'const require=__cr(import.meta.url);const __filename=__fu(import.meta.url);const __dirname=__dn(__filename);',
};
