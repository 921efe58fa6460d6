// Cold module load of a bundle: a fresh Node process imports it (with the environment a deployed function has)
// and reports how long the import took. A bundle that throws at load is reported with its error.
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { type FunctionSpec, stateMachines } from '../../shared/app-model.ts';

interface LoadTime {
  /** one figure per run, ms */
  runs: number[];
  error?: string;
}

const SCRIPT =
  'const t=performance.now();await import(process.argv[1]);process.stdout.write(String(performance.now()-t));process.exit(0)';

/** The variables CDK gives the function (infra/stack.ts environmentFor), with placeholder values. */
function deployedEnvironment(spec: FunctionSpec): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: spec.id,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    DEPLOYMENT_ID: 'bench',
    POWERTOOLS_SERVICE_NAME: 'gpu-shopper',
    POWERTOOLS_METRICS_NAMESPACE: 'GpuShopper',
    APP_VERSION: '0.0.0',
    HARD_MAX_HOURS: '12',
    ORPHAN_GRACE_SECONDS: '600',
    AUTH_MODE: 'api-key',
    INVENTORY_MAX_AGE_SECONDS: '600',
    PATH: process.env['PATH'] ?? '',
  };
  if (spec.access.table) env['TABLE_NAME'] = 'bench-table';
  if (spec.access.secrets) env['SSH_KEY_KMS_KEY_ID'] = 'arn:aws:kms:us-east-1:000000000000:key/bench';
  if (spec.access.providers) env['PROVIDER_SECRET_ARN'] = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench';
  for (const id of spec.access.stateMachines ?? []) {
    const machine = stateMachines.find((m) => m.id === id)!;
    env[machine.arnEnv] = `arn:aws:states:us-east-1:000000000000:stateMachine:${id}`;
  }
  return env;
}

function loadOnce(file: string, env: Record<string, string>, nodeOptions: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...nodeOptions, '--input-type=module', '-e', SCRIPT, pathToFileURL(file).href],
      { env, timeout: 30_000, maxBuffer: 1024 * 1024 },
      (err, stdout, stderr) => {
        const ms = Number(stdout);
        if (!err && Number.isFinite(ms) && stdout.trim() !== '') return resolve(ms);
        const line = stderr.split('\n').find((l) => /^\w*Error\b|Error:/.test(l)) ?? err?.message ?? 'no figure printed';
        reject(new Error(line.trim().slice(0, 300)));
      },
    );
  });
}

/** `runs` fresh processes, one after the other; stops at the first failure. */
export async function measureLoadTime(
  file: string,
  spec: FunctionSpec,
  options: { runs: number; nodeOptions?: string[] },
): Promise<LoadTime> {
  const runs: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    try {
      runs.push(await loadOnce(file, deployedEnvironment(spec), options.nodeOptions ?? []));
    } catch (err) {
      return { runs, error: (err as Error).message };
    }
  }
  return { runs };
}
