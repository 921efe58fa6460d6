// What an operator or consumer wants to know about a session at a glance. Computed, never probed: the broker does
// not keep SSH sessions open to consumers' machines.
import type { Session } from '../../domain/session.ts';

function humanDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h}h ${m}m` : `${m}m`;
}

export function diagnostics(s: Session, now: Date) {
  const end = s.stopped_at ? Date.parse(s.stopped_at) : now.getTime();
  const start = Date.parse(s.created_at);
  const toExpiry = Date.parse(s.expires_at) - now.getTime();
  return {
    session_id: s.id,
    status: s.status,
    phase: s.phase,
    provider: s.provider,
    gpu_type: s.gpu_type,
    gpu_count: s.gpu_count,
    ...(s.ssh ? { ssh_host: s.ssh.host, ssh_port: s.ssh.port, ssh_user: s.ssh.user } : {}),
    ssh_available: s.status === 'running' && !!s.ssh,
    launch_mode: s.workload?.launch_mode ?? 'ssh',
    ...(s.api ? { api_endpoint: s.api.endpoint, api_port: s.api.port } : {}),
    created_at: s.created_at,
    expires_at: s.expires_at,
    uptime: humanDuration(Math.max(0, end - start)),
    uptime_seconds: Math.round(Math.max(0, end - start) / 1000),
    time_to_expiry: toExpiry <= 0 ? 'expired' : humanDuration(toExpiry),
    time_to_expiry_seconds: Math.max(0, Math.round(toExpiry / 1000)),
    ...(s.verification
      ? {
          verification: {
            started_at: s.verification.started_at,
            deadline_at: s.verification.deadline_at,
            attempts: s.verification.attempts,
            last_class: s.verification.last_class ?? null,
            duration_ms: s.verification.duration_ms ?? null,
          },
        }
      : {}),
    ...(s.host_key_fingerprint ? { host_key_fingerprint: s.host_key_fingerprint } : {}),
    last_provider_status: s.last_provider_status ?? s.verification?.last_provider_status ?? null,
    attempts: s.attempts.length,
    note: 'The broker keeps no SSH connection to the instance; use the private key from the create answer.',
  };
}
