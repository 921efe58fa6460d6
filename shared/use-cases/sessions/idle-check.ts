// The idle check (a schedule): every running session with idle_stop_minutes is asked over SSH, with the broker's key
// and the verified host key, how busy its GPUs are and who is logged in. Idle for the whole window ends it through
// the ordinary teardown (reason idle), after a session.expiring warning. A check that cannot reach the host says
// nothing either way: an unreachable instance is the reconciler's business, not a reason to stop.
import { idleVerdict, IDLE_PROBE_COMMAND, isIdle, parseIdleProbe } from '../../domain/idle.ts';
import type { Session } from '../../domain/session.ts';
import { markIdleWarned, recordIdleSample } from '../../domain/session-lifecycle.ts';
import { sessionView } from '../../http/session-view.ts';
import type { ConsumerEventBus } from '../../ports/consumer-events.ts';
import type { SecretCipher } from '../../ports/secret-cipher.ts';
import type { SshCommandRunner } from '../../ports/ssh-command.ts';
import { type RequestTeardownDeps, requestTeardown } from '../teardown/request-teardown.ts';

export interface IdleCheckDeps extends RequestTeardownDeps {
  cipher: SecretCipher;
  ssh: SshCommandRunner;
  bus?: ConsumerEventBus;
  timeoutMs: number;
  /** the length of an idle minute: 60,000 except in accelerated local runs (IDLE_MINUTE_SECONDS) */
  minuteMs?: number;
  onError?: (sessionId: string, err: unknown) => void;
}

interface IdleReport {
  checked: number;
  idle: number;
  unknown: number;
  warned: number;
  stopped: number;
}

export async function checkIdleSessions(deps: IdleCheckDeps): Promise<IdleReport> {
  const report: IdleReport = { checked: 0, idle: 0, unknown: 0, warned: 0, stopped: 0 };
  const sessions = (await deps.sessions.listUnfinished()).filter((s) => s.status === 'running' && s.idle_stop_minutes && s.ssh);
  for (const session of sessions) {
    report.checked += 1;
    try {
      await checkOne(deps, session, report);
    } catch (err) {
      report.unknown += 1;
      deps.onError?.(session.id, err);
    }
  }
  return report;
}

async function checkOne(deps: IdleCheckDeps, session: Session, report: IdleReport): Promise<void> {
  const secret = await deps.sessions.getSecret(session.id);
  if (!secret) return;
  const key = await deps.cipher.decrypt(secret.private_key_ciphertext, { session_id: session.id });
  const out = await deps.ssh.run(session.ssh!, key, IDLE_PROBE_COMMAND, {
    timeoutMs: deps.timeoutMs,
    hostKeyFingerprint: session.host_key_fingerprint,
  });
  const sample = out.code === 0 ? parseIdleProbe(out.stdout) : undefined;
  if (!sample) {
    report.unknown += 1;
    return;
  }
  const now = deps.clock();
  const idle = isIdle(sample);
  const { session: s } = await deps.sessions.apply(
    session.id,
    (cur) => recordIdleSample(cur, idle, now.toISOString()),
    session,
  );
  if (!idle || s.status !== 'running') return;
  report.idle += 1;
  const windowMs = s.idle_stop_minutes! * (deps.minuteMs ?? 60_000);
  const verdict = idleVerdict(Date.parse(s.idle_since!), now.getTime(), windowMs, s.idle_warned_at !== undefined);
  if (verdict === 'warn') {
    const { applied } = await deps.sessions.apply(s.id, (cur) => markIdleWarned(cur, now.toISOString()), s);
    if (!applied) return;
    report.warned += 1;
    const endsAt = new Date(Date.parse(s.idle_since!) + windowMs).toISOString();
    await deps.bus?.publish([
      {
        id: `${s.id}-idle-${s.idle_since}`,
        type: 'session.expiring',
        consumer_id: s.consumer_id,
        session_id: s.id,
        at: now.toISOString(),
        detail: { ...sessionView(s), ends_at: endsAt, reason: 'idle' },
      },
    ]);
  }
  if (verdict === 'stop' && (await requestTeardown(deps, s, 'idle')).started) report.stopped += 1;
}
