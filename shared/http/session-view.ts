// The session as the API shows it: compatible with existing clients (ids as strings, exact status strings,
// numbers never null) and richer for operators (phase, attempts, verification figures, execution id). It satisfies
// the `session` response schema the OpenAPI document is generated from, so the two cannot drift apart.
import type { Session } from '../domain/session.ts';
import type { Answer, session as sessionAnswer } from './schemas/responses.ts';

export function sessionView(s: Session) {
  const w = s.workload;
  return {
    id: s.id,
    consumer_id: s.consumer_id,
    status: s.status,
    phase: s.phase,
    offer_id: s.offer_id,
    requested_offer_id: s.requested_offer_id,
    provider: s.provider,
    gpu_type: s.gpu_type,
    gpu_count: s.gpu_count,
    vram_gb: s.vram_gb,
    price_per_hour: s.price_per_hour,
    workload_type: s.workload_type,
    reservation_hours: s.reservation_hours,
    storage_policy: 'destroy' as const,
    launch_mode: w?.launch_mode ?? 'ssh',
    ...(w?.docker_image ? { docker_image: w.docker_image } : {}),
    ...(w?.template_hash_id ? { template_hash_id: w.template_hash_id } : {}),
    ...(w?.template_name ? { template_name: w.template_name } : {}),
    ...(w?.model_id ? { model_id: w.model_id } : {}),
    ...(w?.quantization ? { quantization: w.quantization } : {}),
    ...(w?.exposed_ports ? { exposed_ports: w.exposed_ports } : {}),
    ...(w ? { disk_gb: w.disk_gb, disk_source: w.disk_source } : {}),
    ...(w?.disk_estimate ? { disk_estimate: w.disk_estimate } : {}),
    // the command itself may carry tokens: only whether there is one
    ...(w?.on_start_cmd ? { on_start_cmd_set: true } : {}),
    ...(s.api ? { api_endpoint: s.api.endpoint, api_port: s.api.port } : {}),
    created_at: s.created_at,
    expires_at: s.expires_at,
    hard_max_at: s.hard_max_at,
    ...(s.stopped_at ? { stopped_at: s.stopped_at } : {}),
    ...(s.ended_reason ? { ended_reason: s.ended_reason } : {}),
    ...(s.ssh ? { ssh_host: s.ssh.host, ssh_port: s.ssh.port, ssh_user: s.ssh.user } : {}),
    ...(s.host_key_fingerprint ? { host_key_fingerprint: s.host_key_fingerprint } : {}),
    ...(s.error ? { error: s.error } : {}),
    ...(s.error_type ? { error_type: s.error_type, retry_suggested: s.retry_suggested ?? false } : {}),
    ...(s.idle_stop_minutes ? { idle_stop_minutes: s.idle_stop_minutes, ...(s.idle_since ? { idle_since: s.idle_since } : {}) } : {}),
    auto_retry: s.auto_retry,
    max_retries: s.max_retries,
    retry_scope: s.retry_scope,
    retry_count: s.retry_count,
    failed_offers: s.failed_offers,
    ...(s.hold_month
      ? {
          budget_hold: {
            month: s.hold_month,
            held_usd: s.hold_usd ?? 0,
            ...(s.hold_settled_at ? { settled_usd: s.settled_usd ?? 0, settled_at: s.hold_settled_at } : {}),
          },
        }
      : {}),
    attempts: s.attempts.map((a) => ({
      attempt: a.n,
      offer_id: a.offer_id,
      provider: a.provider,
      gpu_type: a.gpu_type,
      price_per_hour: a.price_per_hour,
      outcome: a.outcome,
      started_at: a.started_at,
      ...(a.instance_id ? { instance_id: a.instance_id } : {}),
      ...(a.instance_created_at ? { instance_created_at: a.instance_created_at } : {}),
      ...(a.destroyed_at ? { destroyed_at: a.destroyed_at } : {}),
      ...(a.error_type ? { error_type: a.error_type, error: a.error } : {}),
    })),
    ...(s.verification
      ? {
          verification: {
            started_at: s.verification.started_at,
            deadline_at: s.verification.deadline_at,
            deadline_source: s.verification.deadline_source,
            attempts: s.verification.attempts,
            ...(s.verification.last_class ? { last_class: s.verification.last_class } : {}),
            ...(s.verification.ready_at ? { ready_at: s.verification.ready_at } : {}),
            ...(s.verification.duration_ms !== undefined ? { duration_ms: s.verification.duration_ms } : {}),
          },
        }
      : {}),
    ...(s.api_verification
      ? {
          api_verification: {
            started_at: s.api_verification.started_at,
            deadline_at: s.api_verification.deadline_at,
            deadline_source: s.api_verification.deadline_source,
            attempts: s.api_verification.attempts,
            ...(s.api_verification.url ? { url: s.api_verification.url } : {}),
            ...(s.api_verification.last_class ? { last_class: s.api_verification.last_class } : {}),
            ...(s.api_verification.last_status !== undefined ? { last_status: s.api_verification.last_status } : {}),
            ...(s.api_verification.ready_at ? { ready_at: s.api_verification.ready_at } : {}),
            ...(s.api_verification.duration_ms !== undefined ? { duration_ms: s.api_verification.duration_ms } : {}),
          },
        }
      : {}),
    ...(s.last_provider_status ? { last_provider_status: s.last_provider_status } : {}),
    ...(s.execution_arn ? { execution_arn: s.execution_arn } : {}),
  } satisfies Answer<typeof sessionAnswer>;
}

export type SessionView = ReturnType<typeof sessionView>;
