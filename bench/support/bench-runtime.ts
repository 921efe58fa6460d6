// The real local runtime for one section: its own temporary DATA_DIR (DynamoDB Local on disk, as `npm start` runs
// it), free ports, schedules fired by hand, and the counters every section reads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EnvironmentMode } from '../../local/lambda-host.ts';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.ts';
import type { Scenario } from '../../local/sim/scenario.ts';
import { documentClient } from '../../shared/composition/dynamodb.ts';
import { schedules } from '../../shared/app-model.ts';
import { CapacityCounter } from './dynamodb-capacity.ts';
import { HttpWorker } from './http-worker.ts';
import { InvocationLog } from './invocations.ts';

export interface BenchRuntime {
  runtime: LocalRuntime;
  http: HttpWorker;
  invocations: InvocationLog;
  dynamodb: CapacityCounter;
  /** fires a schedule of the app model now; resolves when its run ends */
  fire(scheduleId: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchRuntime(options: {
  name: string;
  scenario: Scenario;
  env?: Record<string, string>;
  progress: (message: string) => void;
  /** `threads` for a section about the execution environments; its DynamoDB and log accounting then sees nothing */
  lambdaEnvironments?: EnvironmentMode;
}): Promise<BenchRuntime> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `gs-bench-${options.name}-`));
  const runtime = await startLocalRuntime({
    port: 0,
    dataDir,
    deploymentId: 'bench',
    schedules: false,
    simScenario: options.scenario,
    // the accounting below wraps the handlers' DynamoDB client and log writes in this process
    lambdaEnvironments: options.lambdaEnvironments ?? 'process',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env },
    log: (line) => options.progress(`runtime: ${line}`),
  }).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  // handlers are loaded by now and share this one client (module singleton)
  const dynamodb = new CapacityCounter(documentClient());
  const invocations = new InvocationLog(runtime.lambdas);
  const http = new HttpWorker(runtime.url);
  return {
    runtime,
    http,
    invocations,
    dynamodb,
    fire(scheduleId) {
      const spec = schedules.find((s) => s.id === scheduleId);
      if (!spec) throw new Error(`app model: no schedule ${scheduleId}`);
      return runtime.scheduler.fire(spec);
    },
    async stop() {
      await http.close();
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
