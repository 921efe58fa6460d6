// `npm start`: the whole broker on one machine. See README "Configuration" for the variables read here.
import { numberEnv, optionalEnv } from './env.ts';
import { startLocalRuntime } from './runtime.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const host = optionalEnv('HOST') ?? '127.0.0.1';

const runtime = await startLocalRuntime({
  host,
  port: numberEnv('PORT', 8080),
  dataDir: optionalEnv('DATA_DIR') ?? './.data',
  deploymentId: optionalEnv('DEPLOYMENT_ID'),
  // local-only knobs for accelerated chaos runs (README "Chaos runs"); unset, the product's own behaviour
  taskCrashRate: numberEnv('LOCAL_FAULT_CRASH_RATE', 0),
  failTasks: {
    functionIds: (optionalEnv('LOCAL_FAULT_FAIL_TASKS') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    share: numberEnv('LOCAL_FAULT_FAIL_TASKS_SHARE', 1),
    // past every Retry of these tasks (StopProvisioning 8, CloseSession 10): that teardown run fails for good
    times: numberEnv('LOCAL_FAULT_FAIL_TASKS_TIMES', 12),
  },
  abortTeardownRate: numberEnv('LOCAL_FAULT_ABORT_TEARDOWNS', 0),
  retryIntervalMs: optionalEnv('LOCAL_RETRY_INTERVAL_MS') === undefined ? undefined : numberEnv('LOCAL_RETRY_INTERVAL_MS', 0),
  log: (line) => process.stderr.write(`[gpu-shopper] ${line}\n`),
}).catch((err: unknown) => {
  process.stderr.write(`[gpu-shopper] failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});

process.stderr.write(
  [
    '',
    `[gpu-shopper] ready on ${runtime.url}  (deployment ${runtime.deploymentId}, data in ${runtime.dataDir})`,
    `[gpu-shopper]   try: curl ${runtime.url}/health   (OpenAPI: ${runtime.url}/api/v1/openapi.json)`,
    runtime.authMode === 'api-key'
      ? '[gpu-shopper]   API keys required (AUTH_MODE=api-key): mint the first admin key with `npm run ops -- keys create --admin`'
      : LOOPBACK.has(host)
        ? '[gpu-shopper]   API keys off (AUTH_MODE=none): every route answers without a key, on this machine only'
        : `[gpu-shopper]   WARNING: listening on ${host} with API keys off: anyone who reaches it may rent GPUs; set AUTH_MODE=api-key`,
    '[gpu-shopper]   Ctrl-C stops everything; state is kept for the next start',
    '',
  ].join('\n'),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130); // a second Ctrl-C does not wait
    stopping = true;
    process.stderr.write(`[gpu-shopper] ${signal}: stopping…\n`);
    if (runtime.crashes) {
      process.stderr.write(`[gpu-shopper] injected task crashes: ${JSON.stringify(runtime.crashes)}\n`);
      // what the chaos run reports beside the crashes: how often each function ran and for how long
      process.stderr.write(`[gpu-shopper] invocations: ${JSON.stringify(Object.fromEntries(runtime.lambdas.stats))}\n`);
    }
    // per function: environments started and reaped, peak concurrency, throttles, cold starts (threads mode)
    const environments = runtime.lambdas.environmentStats();
    if (Object.keys(environments).length > 0) process.stderr.write(`[gpu-shopper] environments: ${JSON.stringify(environments)}\n`);
    runtime.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`[gpu-shopper] stop failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  });
}
