// The skeleton VerifySsh and VerifyApi share: one round of probes inside one invocation, about an interval apart,
// until the instance is ready, fails, the round's length is used up or the Lambda is about to run out of time. What
// the round saw is written once at its end (one event write, at most one session write), whatever happened.
import { ProviderPacingError } from '../../domain/provider-errors.ts';
import type { Attempt, Session } from '../../domain/session.ts';
import type { SessionEvent } from '../../ports/session-events.ts';
import type { ProvisioningDeps } from './deps.ts';
import { ProviderWatch } from './provider-watch.ts';

/** The part of a verification record every round moves on. */
interface RoundProgress {
  started_at: string;
  deadline_at: string;
  base_deadline_at: string;
  attempts: number;
  last_provider_status?: string;
}

const MIN_PACED_WAIT_S = 2;
const MAX_PACED_WAIT_S = 60;

type ProbeRoundDeps = Pick<ProvisioningDeps, 'events' | 'providers' | 'clock' | 'sleep' | 'settings'>;

export abstract class ProbeRound<V extends RoundProgress, D extends ProbeRoundDeps> {
  protected readonly events: SessionEvent[] = [];
  protected readonly watch: ProviderWatch;
  /** the verification record as this round moves it */
  protected readonly v: V;
  protected probes = 0;
  /** the step that made the instance ready wrote the session itself */
  protected written = false;
  /** the shared pacing had no slot soon for a provider read the round needed: how far away it was */
  private pacedForMs: number | undefined;

  constructor(
    protected readonly deps: D,
    protected readonly session: Session,
    protected readonly attempt: Attempt,
    /** the record as the round found it: progress is written only when the round moved it */
    private readonly before: V,
    private readonly pace: {
      /** pause between probes */
      intervalMs: number;
      /** the longest one probe may take: the round stops while the Lambda still has time for one and the write */
      probeBudgetMs: number;
      /** what was going on, for the provider watch's messages */
      during?: string;
    },
  ) {
    this.v = { ...before };
    this.watch = new ProviderWatch(deps, attempt, before.last_provider_status, this.events, pace.during);
  }

  /** One pass: consult the provider as needed, probe once; true when the instance is ready (and recorded so). */
  protected abstract step(startedAt: number): Promise<boolean>;
  /** Throws the attempt's failure once its deadline has passed for good. */
  protected abstract checkDeadline(): void | Promise<void>;
  /** Writes the round's progress to the session (guarded: an ended session is left as it is). */
  protected abstract saveProgress(progress: V): Promise<void>;

  protected now(): Date {
    return this.deps.clock();
  }

  /**
   * Reads the provider, unless the shared pacing has no slot soon (a long queue at the provider): then false, and the
   * round ends to come back later. Only the verification deadline fails an attempt, never a queue of our own.
   */
  protected async consult(read: () => Promise<void>): Promise<boolean> {
    try {
      await read();
      return true;
    } catch (err) {
      if (!(err instanceof ProviderPacingError)) throw err;
      this.pacedForMs = Number(err.details['wait_ms'] ?? 0);
      return false;
    }
  }

  /** How long the state machine waits before the next round: the usual pause, or half the pacing's queue. */
  waitSeconds(usual: number): number {
    if (this.pacedForMs === undefined) return usual;
    return Math.min(MAX_PACED_WAIT_S, Math.max(usual, MIN_PACED_WAIT_S, Math.ceil(this.pacedForMs / 2000)));
  }

  /** true when ready, false when the round ended first (the state machine waits and starts another). */
  async run(remainingMs?: () => number): Promise<boolean> {
    const { intervalMs, probeBudgetMs } = this.pace;
    const roundEnds = this.now().getTime() + this.deps.settings.verifyRoundMs;
    for (;;) {
      const started = this.now().getTime();
      if (await this.step(started)) return true;
      await this.checkDeadline();
      if (this.pacedForMs !== undefined) return false;

      const now = this.now().getTime();
      const safetyMs = probeBudgetMs + 5000;
      if (now + intervalMs >= roundEnds || (remainingMs && remainingMs() < safetyMs)) return false;
      await this.deps.sleep(Math.max(0, intervalMs - (now - started)));
    }
  }

  /**
   * Minutes since verification began, once the deadline has passed for good; undefined while it holds, or while the
   * provider still loads the instance (which extends it, within a cap).
   */
  protected overdueMinutes(deadlineName: string): number | undefined {
    const now = this.now();
    if (now < new Date(this.v.deadline_at)) return undefined;
    if (this.watch.extendWhileLoading(this.v, now, deadlineName)) return undefined;
    return Math.round((now.getTime() - Date.parse(this.v.started_at)) / 60_000);
  }

  /** Persist the round's probes and progress, whatever happened. */
  async flush(): Promise<void> {
    await this.deps.events.append(this.session.id, this.events);
    if (this.written) return;
    const { before } = this;
    if (this.probes === 0 && this.v.deadline_at === before.deadline_at && this.v.last_provider_status === before.last_provider_status) {
      return;
    }
    await this.saveProgress({ ...this.v });
  }
}

/** Runs one round and writes what it saw, also when it fails (its probes belong on the timeline). */
export async function runRound<V extends RoundProgress, D extends ProbeRoundDeps>(
  round: ProbeRound<V, D>,
  remainingMs?: () => number,
): Promise<boolean> {
  try {
    return await round.run(remainingMs);
  } finally {
    await round.flush();
  }
}
