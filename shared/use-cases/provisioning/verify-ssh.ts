// VerifySsh: one round of probes inside one invocation — cheap TCP/banner probes about a second apart, a key login
// running `echo ok` once the banner answers — so readiness is seen within seconds without paying a state transition
// per probe. The provider's own status is consulted every so often: stopped or gone fails fast, still loading may
// extend the deadline (within a cap). On success the session becomes `running` right here, which keeps the lag
// between "SSH accepts the key" and "session is running" to one probe interval — unless an entrypoint server must
// answer too: then the API phase starts (VerifyApi), and an instance that offers no SSH goes straight to it.
import { TransientError } from '../../domain/errors.ts';
import {
  AuthRejectedError,
  SessionEndedError,
  SshTimeoutError,
} from '../../domain/provisioning-errors.ts';
import type { Attempt, Session, Verification } from '../../domain/session.ts';
import {
  markRunning,
  recordSshProgress,
  requireAttempt,
  requireProvisioning,
  skipSsh,
  type SshVerified,
  sshVerified,
} from '../../domain/session-lifecycle.ts';
import { AUTH_REJECTIONS_TO_FAIL } from '../../domain/verification.ts';
import type { Endpoint } from '../../domain/instance.ts';
import { sshExpected } from '../../domain/workload.ts';
import type { ProbeResult } from '../../ports/ssh-prober.ts';
import { ProbeRound, runRound } from './probe-round.ts';
import type { ProvisioningDeps, TaskState } from './deps.ts';
import { METRIC } from '../../observability/metric-names.ts';
import { startApiVerification } from './verify-api.ts';
import { reportSshVerified } from './ssh-outcome.ts';

/** What the task uses of the provisioning wiring. */
type VerifySshDeps = Pick<ProvisioningDeps, 'sessions' | 'events' | 'providers' | 'prober' | 'cipher' | 'costs' | 'history' | 'metrics' | 'clock' | 'sleep' | 'settings'>;

interface VerifyResult extends TaskState {
  ready: boolean;
  /** ready, and the entrypoint server must answer next (VerifyApi) */
  verify_api: boolean;
  /** seconds the state machine waits before the next round */
  wait_seconds: number;
}

type SshEndpoint = Endpoint & { user: string };

export async function verifySsh(
  deps: VerifySshDeps,
  input: TaskState,
  options: { remainingMs?: () => number } = {},
): Promise<VerifyResult> {
  const session = requireProvisioning(await deps.sessions.get(input.session_id), input.session_id);
  const attempt = requireAttempt(session, input.attempt);
  if (attempt.outcome === 'running') return { ...input, ready: true, verify_api: false, wait_seconds: 0 };
  // already handed over to the API phase (a retried task)
  if (session.api_verification?.attempt === attempt.n) return { ...input, ready: true, verify_api: true, wait_seconds: 0 };
  if (!attempt.instance_id || !session.verification) {
    throw new SessionEndedError(`attempt ${attempt.n} of session ${session.id} has no instance to verify`);
  }
  if (!sshExpected(session.workload, attempt.provider)) return skipToApi(deps, session, attempt, input);
  const secret = await deps.sessions.getSecret(session.id);
  if (!secret) throw new SessionEndedError(`session ${session.id} has no key any more`);
  const privateKey = await deps.cipher.decrypt(secret.private_key_ciphertext, { session_id: session.id });

  const round = new VerificationRound(deps, session, attempt, session.verification, privateKey);
  const ready = await runRound(round, options.remainingMs);
  return { ...input, ready, verify_api: ready && session.workload?.api !== undefined, wait_seconds: ready ? 0 : round.waitSeconds(1) };
}

/** The image's entrypoint runs without SSH (Vast runtype `args`): only its server can tell that it is up. */
async function skipToApi(deps: VerifySshDeps, session: Session, attempt: Attempt, input: TaskState): Promise<VerifyResult> {
  const now = deps.clock();
  const apiVerification = startApiVerification(deps, session, attempt, now);
  const { session: stored } = await deps.sessions.apply(session.id, (s) => skipSsh(s, apiVerification));
  if (stored.status !== 'provisioning') throw new SessionEndedError(`session ${session.id} ended during verification`);
  await deps.events.append(session.id, [
    {
      type: 'ssh_skipped',
      at: now.toISOString(),
      attempt: attempt.n,
      message: "the image's own entrypoint runs without SSH; waiting for its server",
      api_deadline_seconds: Math.round((Date.parse(apiVerification.deadline_at) - now.getTime()) / 1000),
    },
  ]);
  return { ...input, ready: true, verify_api: true, wait_seconds: 0 };
}

class VerificationRound extends ProbeRound<Verification, VerifySshDeps> {
  private endpoint: SshEndpoint | undefined;
  /** a provider status check running beside the probes (a rate-limited provider API must not stall them) */
  private check: Promise<void> | undefined;
  /** what such a check found that ends the attempt (stopped, vanished) */
  private checkFailure: unknown;

  constructor(
    deps: VerifySshDeps,
    session: Session,
    attempt: Attempt,
    verification: Verification,
    private readonly privateKey: string,
  ) {
    super(deps, session, attempt, verification, {
      intervalMs: deps.settings.probeIntervalMs,
      probeBudgetMs: deps.settings.loginTimeoutMs,
    });
    // a new round probes at once where the last one left off; the provider is asked again in the background
    this.endpoint = verification.endpoint;
  }

  protected async step(started: number): Promise<boolean> {
    if (!this.endpoint) {
      // nothing to probe until the provider says where
      if (!(await this.consult(() => this.checkProvider()))) return false;
    } else if (!this.check && started - this.watch.lastCheckAt >= this.deps.settings.providerCheckIntervalMs) {
      this.checkInBackground();
    }
    if (this.checkFailure) throw this.checkFailure;
    if (!this.endpoint) return false;
    const result = await this.probe(this.privateKey);
    if (result.class === 'ok') {
      await this.markRunning(result);
      return true;
    }
    this.checkAuthRejections(result);
    return false;
  }

  /**
   * The check a round makes every so often runs alongside the probes. A busy provider API (429, 5xx, a long client
   * queue) only postpones it; what it finds about the instance (stopped, gone) ends the attempt at the next probe.
   * A check still running when the round ends is abandoned: it only updates this round's memory.
   */
  private checkInBackground(): void {
    this.check = this.checkProvider()
      .catch((err: unknown) => {
        if (!(err instanceof TransientError)) this.checkFailure = err;
      })
      .finally(() => {
        this.check = undefined;
      });
  }

  private async checkProvider(): Promise<void> {
    const instance = await this.watch.read();
    this.v.last_provider_status = this.watch.status;
    if (instance?.ssh) {
      this.endpoint = instance.ssh;
      this.v.endpoint = instance.ssh;
    }
  }

  private async probe(privateKey: string): Promise<ProbeResult> {
    const { settings } = this.deps;
    const at = this.now();
    const banner = await this.deps.prober.probe(this.endpoint!, privateKey, {
      timeoutMs: settings.probeTimeoutMs,
      bannerOnly: true,
    });
    const result =
      banner.class === 'ok'
        ? await this.deps.prober.probe(this.endpoint!, privateKey, { timeoutMs: settings.loginTimeoutMs })
        : banner;
    this.probes += 1;
    this.v.attempts += 1;
    this.v.last_class = result.class;
    this.events.push({
      type: 'ssh_attempt',
      at: at.toISOString(),
      attempt: this.attempt.n,
      probe: this.v.attempts,
      class: result.class,
      stage: result.stage,
      duration_ms: Math.round(banner === result ? result.duration_ms : banner.duration_ms + result.duration_ms),
      ...(result.detail ? { detail: result.detail } : {}),
    });
    return result;
  }

  private checkAuthRejections(result: ProbeResult): void {
    if (result.class !== 'auth_rejected') {
      this.v.consecutive_auth_rejections = 0;
      this.v.first_auth_rejection_at = undefined;
      return;
    }
    const now = this.now();
    this.v.consecutive_auth_rejections += 1;
    this.v.first_auth_rejection_at ??= now.toISOString();
    const span = now.getTime() - Date.parse(this.v.first_auth_rejection_at);
    // keys can take seconds to propagate to a fresh host, so only a sustained rejection is a real one
    if (this.v.consecutive_auth_rejections >= AUTH_REJECTIONS_TO_FAIL && span >= this.deps.settings.authRejectionWindowMs) {
      throw new AuthRejectedError(
        `the SSH server rejected the session key ${this.v.consecutive_auth_rejections} times over ${Math.round(span / 1000)} s`,
      );
    }
  }

  protected checkDeadline(): void {
    const minutes = this.overdueMinutes('deadline');
    if (minutes === undefined) return;
    throw new SshTimeoutError(
      `SSH was not reachable with the session key within ${minutes} min (${this.v.attempts} probes, last: ${this.v.last_class ?? 'no endpoint yet'})`,
    );
  }

  private async markRunning(result: ProbeResult): Promise<void> {
    const now = this.now();
    const durationMs = now.getTime() - Date.parse(this.v.started_at);
    const endpoint = this.endpoint!;
    // an entrypoint workload is usable only once its server answers: SSH hands over to the API phase
    const apiNext = this.session.workload?.api !== undefined;
    const verified: SshVerified = {
      ssh: endpoint,
      host_key_fingerprint: result.host_key_fingerprint,
      last_provider_status: this.v.last_provider_status,
      verification: { ...this.v, ready_at: now.toISOString(), duration_ms: durationMs },
    };
    if (apiNext) {
      const apiVerification = startApiVerification(this.deps, this.session, this.attempt, now);
      const { session: stored } = await this.deps.sessions.apply(this.session.id, (s) => sshVerified(s, verified, apiVerification));
      if (stored.status !== 'provisioning') throw new SessionEndedError(`session ${this.session.id} ended during verification`);
    } else {
      // billing starts with usability; marked first so a crash right after cannot leave a usable instance unbilled
      await this.deps.costs.markRunning(this.session.id, this.attempt.n);
      const { session: stored } = await this.deps.sessions.apply(this.session.id, (s) => markRunning(s, this.attempt.n, verified));
      if (stored.status !== 'running') throw new SessionEndedError(`session ${this.session.id} ended during verification`);
    }
    const dims = { provider: this.attempt.provider, gpu_type: this.attempt.gpu_type };
    this.deps.metrics.add(METRIC.SshVerificationDuration, 'Milliseconds', durationMs, dims);
    this.deps.metrics.add(METRIC.SshVerificationAttempts, 'Count', this.v.attempts, dims);
    reportSshVerified(this.deps.metrics, this.attempt);
    if (!apiNext) {
      this.deps.metrics.add(METRIC.ProvisioningDuration, 'Milliseconds', now.getTime() - Date.parse(this.session.created_at), {
        provider: this.attempt.provider,
      });
    }
    this.events.push({
      type: 'ssh_verified',
      at: now.toISOString(),
      attempt: this.attempt.n,
      duration_ms: durationMs,
      probes: this.v.attempts,
      host_key_fingerprint: result.host_key_fingerprint,
    });
    if (!apiNext) {
      this.events.push({ type: 'running', at: now.toISOString(), attempt: this.attempt.n, ssh_host: endpoint.host, ssh_port: endpoint.port });
    }
    await this.deps.history.record(this.attempt.provider, this.attempt.gpu_type, durationMs);
    this.written = true;
  }

  protected async saveProgress(progress: Verification): Promise<void> {
    await this.deps.sessions.apply(this.session.id, (s) => recordSshProgress(s, progress));
  }
}
