// The views that build answers against the response schemas the OpenAPI document is generated from: the views are
// typed by those schemas (`satisfies Answer<…>`), and here their real output, for sessions in every shape the API
// shows, parses against them (formats included, which types cannot check).
import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import type { BenchmarkResult } from '../../shared/domain/benchmark.ts';
import type { BenchmarkRun, BenchmarkRunItem, BenchmarkRunSpec, BenchmarkSchedule } from '../../shared/domain/benchmark-run.ts';
import type { Session } from '../../shared/domain/session.ts';
import type { Watch } from '../../shared/domain/watch.ts';
import * as b from '../../shared/http/schemas/benchmarks.ts';
import * as r from '../../shared/http/schemas/responses.ts';
import { deliveryAnswer, webhookAnswer } from '../../shared/http/schemas/webhooks.ts';
import { sessionView } from '../../shared/http/session-view.ts';
import type { Delivery, Webhook } from '../../shared/ports/webhooks.ts';
import { runView } from '../../shared/use-cases/benchmarks/benchmark-runs.ts';
import { withAnalysis } from '../../shared/use-cases/benchmarks/benchmark-results.ts';
import { scheduleView } from '../../shared/use-cases/benchmarks/benchmark-schedules.ts';
import { watchView } from '../../shared/use-cases/watches/check-watches.ts';
import { deliveryView, webhookView } from '../../shared/use-cases/webhooks/manage-webhooks.ts';
import { offer } from '../fakes/fake-inventory.ts';

const T0 = '2026-12-01T10:00:00.000Z';
const T1 = '2026-12-01T10:05:00.000Z';
const T2 = '2026-12-01T11:00:00.000Z';
const VAST = offer({ id: 'vastai-201', gpu_type: 'RTX 4090', vram_gb: 24, gpu_count: 2, host_id: 'vastai-machine-1' });

/** the issues zod finds, as `path: message` lines (empty: the answer is as documented) */
function problems(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(JSON.parse(JSON.stringify(value)));
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

const pending: Session = {
  id: '7a1c2e3f-0000-4000-8000-000000000001',
  consumer_id: 'team-a',
  status: 'pending',
  phase: 'queued',
  requested_offer_id: VAST.id,
  offer_id: VAST.id,
  provider: 'vastai',
  gpu_type: 'RTX 4090',
  gpu_count: 2,
  vram_gb: 24,
  price_per_hour: 0.62,
  workload_type: 'llm',
  reservation_hours: 2,
  created_at: T0,
  expires_at: T2,
  hard_max_at: T2,
  auto_retry: true,
  max_retries: 3,
  retry_scope: 'same_gpu',
  retry_count: 0,
  attempts: [{ n: 1, offer: VAST, offer_id: VAST.id, provider: 'vastai', gpu_type: 'RTX 4090', price_per_hour: 0.62, started_at: T0, outcome: 'in_progress' }],
  failed_offers: [],
  failed_hosts: [],
  version: 1,
};

/** an entrypoint workload that is up: SSH, its API, both verifications, an idle window and a settled hold */
const runningEntrypoint: Session = {
  ...pending,
  status: 'running',
  phase: 'ready',
  attempts: [{ ...pending.attempts[0]!, outcome: 'running', instance_id: '12345678', instance_created_at: T0 }],
  workload: {
    launch_mode: 'entrypoint',
    docker_image: 'vllm/vllm-openai:latest',
    model_id: 'org/model-8b',
    quantization: 'awq',
    exposed_ports: [8000],
    on_start_cmd: 'HF_TOKEN=hf_secret serve',
    disk_gb: 60,
    disk_source: 'estimate',
    disk_estimate: { minimum_gb: 40, recommended_gb: 60 },
    api_timeout_minutes: 20,
    api: { port: 8000, health_path: '/health', openai: true, server: 'vllm' },
  },
  api: { endpoint: 'http://203.0.113.7:41000/v1', host: '203.0.113.7', port: 41000, container_port: 8000 },
  ssh: { host: '203.0.113.7', port: 40022, user: 'root' },
  host_key_fingerprint: 'SHA256:abc',
  verification: {
    started_at: T0,
    deadline_at: T2,
    base_deadline_at: T2,
    deadline_source: 'learned',
    attempts: 4,
    last_class: 'ok',
    consecutive_auth_rejections: 0,
    ready_at: T1,
    duration_ms: 300_000,
  },
  api_verification: {
    attempt: 1,
    started_at: T1,
    deadline_at: T2,
    base_deadline_at: T2,
    deadline_source: 'default',
    attempts: 3,
    url: 'http://203.0.113.7:41000/health',
    last_class: 'ok',
    last_status: 200,
    ready_at: T1,
    duration_ms: 1_000,
  },
  idle_stop_minutes: 30,
  idle_since: T1,
  hold_month: '2026-12',
  hold_usd: 1.24,
  execution_arn: 'arn:aws:states:eu-west-1:000000000000:execution:Provisioning:7a1c2e3f',
  last_provider_status: 'running',
};

/** ended after a failed attempt and a retry that failed too: errors on the session and on its attempts */
const failed: Session = {
  ...pending,
  status: 'failed',
  phase: 'failed',
  stopped_at: T2,
  ended_reason: 'provisioning_failed',
  error: 'SSH never answered',
  error_type: 'ssh_timeout',
  retry_suggested: true,
  retry_count: 1,
  failed_offers: ['vastai-201', 'vastai-202'],
  attempts: [
    { ...pending.attempts[0]!, outcome: 'failed', instance_id: '1', destroyed_at: T1, error_type: 'ssh_timeout', error: 'no answer' },
    { ...pending.attempts[0]!, n: 2, offer_id: 'vastai-202', outcome: 'failed', error_type: 'ssh_timeout', error: 'no answer' },
  ],
  hold_month: '2026-12',
  hold_usd: 1.24,
  settled_usd: 0,
  hold_settled_at: T2,
};

describe('sessionView answers as the session schema says', () => {
  it.each([
    ['pending, SSH, before any workload field existed', pending],
    ['running entrypoint workload with its API', runningEntrypoint],
    ['failed after a retry, hold settled', failed],
  ])('%s', (_name, session) => {
    expect(problems(r.session, sessionView(session))).toEqual([]);
    expect(problems(r.endedSession, { ...sessionView(session), message: 'teardown started', session_id: session.id })).toEqual([]);
  });

  it('shows launch_mode entrypoint, which the schema documents (it once said ssh only)', () => {
    expect(sessionView(runningEntrypoint).launch_mode).toBe('entrypoint');
  });
});

describe('the other views answer as their schemas say', () => {
  const spec: BenchmarkRunSpec = {
    models: ['org/model-8b'],
    gpu_types: ['RTX 4090'],
    providers: [],
    max_budget_usd: 10,
    runtime: 'vllm',
    max_concurrency: 8,
    reservation_hours: 1,
    launch_mode: 'ssh',
  };

  it('watches, notify and create', () => {
    const notify: Watch = {
      id: '0b0c0d0e-0000-4000-8000-000000000002',
      consumer_id: 'team-a',
      filters: { gpu_type: 'RTX 4090', min_vram: 24 },
      max_price: 0.5,
      action: 'notify',
      status: 'fired',
      created_at: T0,
      expires_at: T2,
      fired_at: T1,
      matched: { offer_id: VAST.id, provider: 'vastai', gpu_type: 'RTX 4090', price_per_hour: 0.45 },
      checks: 3,
      version: 2,
    };
    const create: Watch = {
      ...notify,
      action: 'create',
      status: 'active',
      session: {
        workload_type: 'llm',
        reservation_hours: 1,
        auto_retry: true,
        max_retries: 3,
        retry_scope: 'same_gpu',
        ssh_public_key: 'ssh-ed25519 AAAA',
        workload: { launch_mode: 'ssh' },
      },
      last_error: { error_type: 'budget_exceeded', message: 'over budget', at: T1 },
    };
    expect(problems(r.watch, watchView(notify))).toEqual([]);
    expect(problems(r.watch, watchView(create))).toEqual([]);
  });

  it('webhooks and their deliveries', () => {
    const webhook: Webhook = {
      id: 'wh_0123456789abcdef',
      consumer_id: 'team-a',
      url: 'https://example.com/hook',
      events: ['session.status_changed'],
      description: 'ops',
      secret_ciphertext: 'c',
      created_at: T0,
    };
    const delivery: Delivery = {
      webhook_id: webhook.id,
      event_id: 'e-1',
      event_type: 'session.status_changed',
      event_at: T0,
      session_id: pending.id,
      status: 'retrying',
      attempts: 2,
      first_attempt_at: T0,
      last_attempt_at: T1,
      last_status_code: 500,
      last_error: 'http_500',
      next_attempt_at: T2,
    };
    expect(problems(webhookAnswer, webhookView(webhook))).toEqual([]);
    expect(problems(deliveryAnswer, deliveryView(delivery))).toEqual([]);
  });

  it('benchmark results, runs and schedules', () => {
    const result: BenchmarkResult = {
      id: 'b-1',
      model: 'org/model-8b',
      runtime: 'vllm',
      gpu_type: 'RTX 4090',
      gpu_count: 1,
      provider: 'vastai',
      price_per_hour: 0.4,
      prompt_tps: 5000,
      generation_tps: 900,
      ttft_ms_p50: 120,
      ttft_ms_p95: 300,
      max_concurrency: 8,
      vram_used_gb: 20,
      consumer_id: 'team-a',
      measured_at: T0,
      created_at: T0,
    };
    const run: BenchmarkRun = {
      id: 'run-1',
      consumer_id: 'team-a',
      spec,
      status: 'running',
      reservations: { '001': 0.4 },
      spent: {},
      created_at: T0,
      version: 3,
    };
    const item: BenchmarkRunItem = {
      run_id: run.id,
      item_id: '001',
      model: 'org/model-8b',
      gpu_type: 'RTX 4090',
      status: 'benchmarking',
      session_id: pending.id,
      updated_at: T1,
      version: 2,
    };
    const schedule: BenchmarkSchedule = {
      id: '5c5c5c5c-0000-4000-8000-000000000003',
      consumer_id: 'team-a',
      name: 'nightly',
      cron: '0 3 * * *',
      spec,
      enabled: true,
      created_at: T0,
      updated_at: T0,
      version: 1,
    };
    expect(problems(b.benchmarkWithAnalysis, withAnalysis(result))).toEqual([]);
    expect(problems(b.runAnswer, runView(run, [item]))).toEqual([]);
    expect(problems(b.scheduleAnswer, scheduleView(schedule, new Date(T0)))).toEqual([]);
  });
});
