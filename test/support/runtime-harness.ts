// The whole local runtime in this test process: the real ASL executed by the local Step Functions service, the real
// handlers, DynamoDB Local (the run's shared one, a fresh table), and simulated marketplaces with real SSH servers,
// tuned so that a verification deadline passes in seconds rather than minutes.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.ts';
import { parseScenario, type ScenarioInput } from '../../local/sim/scenario.ts';
import { schedules } from '../../shared/app-model.ts';

/** Retry intervals of every retrying state, shortened (the real ones are seconds to minutes). */
const FAST_RETRIES: Record<string, number> = {
  BeginProvisioning: 50,
  CreateInstance: 200,
  VerifySsh: 200,
  VerifyApi: 200,
  DestroyInstance: 200,
  RecordRefund: 50,
  ChooseRetryOffer: 50,
  MarkFailed: 50,
  MarkDestroyFailed: 50,
  StopProvisioning: 50,
  DestroySessionInstances: 200,
  CloseSession: 50,
  MarkTeardownFailed: 50,
};

export const FAST_ENV = {
  SSH_PROBE_INTERVAL_MS: '250',
  SSH_PROBE_TIMEOUT_MS: '1000',
  SSH_LOGIN_TIMEOUT_MS: '3000',
  PROVIDER_CHECK_INTERVAL_MS: '1000',
  VERIFY_ROUND_SECONDS: '3',
  SSH_DEADLINE_SECONDS: '8',
  CREATE_LIST_LAG_SECONDS: '3',
  AUTH_REJECTION_WINDOW_SECONDS: '2',
  // the simulated marketplaces enforce the documented limits 100× faster, and the adapters pace alike
  SIM_RATE_LIMIT_SCALE: '0.01',
  // a short allowance for late arrivals at that speed (a rare 429 is backed off like any other)
  PROVIDER_PACING_MARGIN_MS: '25',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};

export interface Harness {
  runtime: LocalRuntime;
  url: string;
  api<T = Record<string, unknown>>(
    method: string,
    p: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
  /** the id of the `pick`-th cheapest inventory offer of that GPU at that provider */
  offerId(gpu: string, provider?: string, pick?: number): Promise<string>;
  /** polls a session until its status is one of `statuses` */
  waitFor(id: string, statuses: string[], timeoutMs?: number, headers?: Record<string, string>): Promise<Record<string, unknown>>;
  refreshInventory(): Promise<void>;
  refreshTemplates(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(scenario: ScenarioInput, env: Record<string, string> = {}): Promise<Harness> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gs-sfn-'));
  const runtime = await startLocalRuntime({
    port: 0,
    dataDir,
    inMemory: true,
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    tableName: `rt-${randomUUID().slice(0, 8)}`,
    deploymentId: 'test-deployment',
    schedules: false,
    simScenario: parseScenario(scenario),
    retryIntervalOverrides: FAST_RETRIES,
    env: { ...FAST_ENV, ...env },
  });
  const api: Harness['api'] = async (method, p, body, headers = {}) => {
    const res = await fetch(`${runtime.url}${p}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as never };
  };
  const refreshInventory = async () => {
    await runtime.scheduler.fire(schedules.find((s) => s.id === 'InventoryRefresh')!);
  };
  const refreshTemplates = async () => {
    await runtime.scheduler.fire(schedules.find((s) => s.id === 'TemplateRefresh')!);
  };
  await Promise.all([refreshInventory(), refreshTemplates()]);
  return {
    runtime,
    url: runtime.url,
    api,
    refreshInventory,
    refreshTemplates,
    async offerId(gpu, provider = 'vastai', pick = 0) {
      const { body } = await api<{ offers: { id: string }[] }>(
        'GET',
        `/api/v1/inventory?provider=${provider}&gpu_type=${encodeURIComponent(gpu)}&sort=price`,
      );
      const offer = body.offers[pick];
      if (!offer) throw new Error(`no ${gpu} offer in inventory`);
      return offer.id;
    },
    async waitFor(id, statuses, timeoutMs = 60_000, headers = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { body } = await api('GET', `/api/v1/sessions/${id}`, undefined, headers);
        if (statuses.includes(String(body['status']))) return body;
        if (Date.now() > deadline) throw new Error(`session ${id} still ${String(body['status'])} (${String(body['phase'])})`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    stop: () => runtime.stop(),
  };
}
