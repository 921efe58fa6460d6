// VerifyApi: an entrypoint workload is usable once its server answers, not when SSH does. One round of HTTP health
// probes (GET /health, or /v1/models for vLLM; 2xx counts) on the port the provider mapped, with its own deadline
// from the phase's start (longer for heavy images). The provider's status is consulted as during SSH verification:
// stopped or gone fails fast, still loading extends the deadline within a cap. On a 2xx the session becomes
// `running` with its api_endpoint.
import { externalEndpoint, type Endpoint } from '../../domain/instance.ts';
import { ProbeRound, runRound } from './probe-round.ts';
import {
  ApiTimeoutError,
  SessionEndedError,
} from '../../domain/provisioning-errors.ts';
import type { ApiVerification, Attempt, Session } from '../../domain/session.ts';
import { markRunning, recordApiProgress, requireAttempt, requireProvisioning } from '../../domain/session-lifecycle.ts';
import { apiDeadline } from '../../domain/verification.ts';
import { apiBaseUrl, imageProfile, type WorkloadApi } from '../../domain/workload.ts';
import { METRIC } from '../../observability/metric-names.ts';
import type { ApiProbeResult } from '../../ports/api-prober.ts';
import type { ProvisioningDeps, TaskState } from './deps.ts';

/** What the task uses of the provisioning wiring. */
type VerifyApiDeps = Pick<ProvisioningDeps, 'sessions' | 'events' | 'providers' | 'apiProber' | 'costs' | 'metrics' | 'clock' | 'sleep' | 'settings'>;

interface ApiVerifyResult extends TaskState {
  ready: boolean;
  wait_seconds: number;
}

/** The API phase as it starts: its deadline is the request's, or the default scaled for the image. */
export function startApiVerification(deps: Pick<ProvisioningDeps, 'settings'>, session: Session, attempt: Attempt, now: Date): ApiVerification {
  const w = session.workload;
  const deadline = apiDeadline(
    w?.api_timeout_minutes,
    deps.settings.defaultApiDeadlineMs,
    imageProfile(w?.docker_image).api_budget_factor,
  );
  const deadlineAt = new Date(now.getTime() + deadline.ms).toISOString();
  return {
    attempt: attempt.n,
    started_at: now.toISOString(),
    deadline_at: deadlineAt,
    base_deadline_at: deadlineAt,
    deadline_source: deadline.source,
    attempts: 0,
  };
}

export async function verifyApi(
  deps: VerifyApiDeps,
  input: TaskState,
  options: { remainingMs?: () => number } = {},
): Promise<ApiVerifyResult> {
  const session = requireProvisioning(await deps.sessions.get(input.session_id), input.session_id);
  const attempt = requireAttempt(session, input.attempt);
  if (attempt.outcome === 'running') return { ...input, ready: true, wait_seconds: 0 };
  const api = session.workload?.api;
  const v = session.api_verification;
  if (!attempt.instance_id || !api || v?.attempt !== attempt.n) {
    throw new SessionEndedError(`attempt ${attempt.n} of session ${session.id} has no workload API to verify`);
  }
  const round = new ApiRound(deps, session, attempt, api, v);
  const ready = await runRound(round, options.remainingMs);
  return { ...input, ready, wait_seconds: ready ? 0 : round.waitSeconds(Math.max(1, Math.round(deps.settings.apiProbeIntervalMs / 1000))) };
}

class ApiRound extends ProbeRound<ApiVerification, VerifyApiDeps> {
  private endpoint: Endpoint | undefined;

  constructor(
    deps: VerifyApiDeps,
    session: Session,
    attempt: Attempt,
    private readonly api: WorkloadApi,
    verification: ApiVerification,
  ) {
    super(deps, session, attempt, verification, {
      intervalMs: deps.settings.apiProbeIntervalMs,
      probeBudgetMs: deps.settings.apiProbeTimeoutMs,
      during: 'while its server was starting',
    });
  }

  protected async step(started: number): Promise<boolean> {
    if (!this.endpoint) {
      if (!(await this.consult(() => this.checkProvider()))) return false;
    } else if (started - this.watch.lastCheckAt >= this.deps.settings.providerCheckIntervalMs) {
      await this.checkProvider();
    }
    if (!this.endpoint) return false;
    const result = await this.probe(this.endpoint);
    if (result.class !== 'ok') return false;
    await this.markRunning(this.endpoint);
    return true;
  }

  private async checkProvider(): Promise<void> {
    const instance = await this.watch.read();
    this.v.last_provider_status = this.watch.status;
    if (instance) this.endpoint = externalEndpoint(instance, this.api.port);
  }

  private async probe(endpoint: Endpoint): Promise<ApiProbeResult> {
    const at = this.now();
    const url = `${apiBaseUrl({ openai: false }, endpoint.host, endpoint.port)}${this.api.health_path}`;
    const result = await this.deps.apiProber.probe(url, { timeoutMs: this.deps.settings.apiProbeTimeoutMs });
    this.probes += 1;
    this.v.attempts += 1;
    this.v.url = url;
    this.v.last_class = result.class;
    this.v.last_status = result.status;
    this.events.push({
      type: 'api_attempt',
      at: at.toISOString(),
      attempt: this.attempt.n,
      probe: this.v.attempts,
      class: result.class,
      duration_ms: result.duration_ms,
      ...(result.status !== undefined ? { http_status: result.status } : {}),
      ...(result.detail ? { detail: result.detail } : {}),
    });
    return result;
  }

  protected checkDeadline(): void {
    const minutes = this.overdueMinutes('API deadline');
    if (minutes === undefined) return;
    const last = this.v.last_class
      ? `${this.v.last_class}${this.v.last_status !== undefined ? ` ${this.v.last_status}` : ''}`
      : 'port not mapped by the provider';
    throw new ApiTimeoutError(
      `the workload server did not answer ${this.api.health_path} with 2xx within ${minutes} min (${this.v.attempts} probes, last: ${last})`,
    );
  }

  private async markRunning(endpoint: Endpoint): Promise<void> {
    const now = this.now();
    const durationMs = now.getTime() - Date.parse(this.v.started_at);
    const api = {
      endpoint: apiBaseUrl(this.api, endpoint.host, endpoint.port),
      host: endpoint.host,
      port: endpoint.port,
      container_port: this.api.port,
    };
    // billing starts with usability; marked first so a crash right after cannot leave a usable instance unbilled
    await this.deps.costs.markRunning(this.session.id, this.attempt.n);
    const verification = { ...this.v, ready_at: now.toISOString(), duration_ms: durationMs };
    const { session: stored } = await this.deps.sessions.apply(this.session.id, (s) =>
      markRunning(s, this.attempt.n, {
        api,
        last_provider_status: verification.last_provider_status ?? s.last_provider_status,
        api_verification: verification,
      }),
    );
    if (stored.status !== 'running') throw new SessionEndedError(`session ${this.session.id} ended during API verification`);
    const dims = { provider: this.attempt.provider, gpu_type: this.attempt.gpu_type };
    this.deps.metrics.add(METRIC.ApiVerificationDuration, 'Milliseconds', durationMs, dims);
    this.deps.metrics.add(METRIC.ProvisioningDuration, 'Milliseconds', now.getTime() - Date.parse(this.session.created_at), {
      provider: this.attempt.provider,
    });
    this.events.push(
      { type: 'api_ready', at: now.toISOString(), attempt: this.attempt.n, duration_ms: durationMs, probes: this.v.attempts, api_endpoint: api.endpoint },
      {
        type: 'running',
        at: now.toISOString(),
        attempt: this.attempt.n,
        api_endpoint: api.endpoint,
        ...(stored.ssh ? { ssh_host: stored.ssh.host, ssh_port: stored.ssh.port } : {}),
      },
    );
    this.written = true;
  }

  protected async saveProgress(progress: ApiVerification): Promise<void> {
    await this.deps.sessions.apply(this.session.id, (s) => recordApiProgress(s, progress));
  }
}
