// Following a session live: polls the session and its timeline, prints each step as it happens (phase, instance,
// each SSH probe round with its attempt number and class, failures, refunds, retries) with the time since the wait
// began, and ends when the session reaches the goal or can no longer reach it.
import type { SessionView } from '../shared/http/session-view.ts';
import type { SessionEvent } from '../shared/ports/session-events.ts';
import { ApiError, CliError } from './api-client.ts';
import { type Context, segment } from './context.ts';
import { duration, oneLine, type Output, usd } from './output.ts';

type WaitGoal = 'running' | 'ended';

interface WaitOptions {
  timeoutSeconds: number;
  pollMs: number;
  /** when the wait began (ms since the epoch), for the elapsed time on each line */
  startedAt?: number;
  /** show the events from before the wait began too (the session's story so far) */
  history?: boolean;
}

/** Errors worth riding out during a long wait: the next poll may well succeed. */
const MAX_POLL_FAILURES = 5;

export async function waitForSession(ctx: Context, id: string, goal: WaitGoal, opts: WaitOptions): Promise<SessionView> {
  const started = opts.startedAt ?? Date.now();
  const progress = new Progress(ctx.out, started, opts.history ?? true);
  const sessionPath = `/api/v1/sessions/${segment(id)}`;
  const eventsOf = async () => (await ctx.api.get<{ events: SessionEvent[] }>(`${sessionPath}/events`)).events ?? [];
  let failures = 0;
  for (;;) {
    let session: SessionView;
    let events: SessionEvent[];
    try {
      session = await ctx.api.get<SessionView>(sessionPath);
      events = await eventsOf();
      failures = 0;
    } catch (err) {
      if (!isPassing(err) || ++failures >= MAX_POLL_FAILURES) throw err;
      progress.note(`server did not answer (${(err as CliError).errorType}); retrying`);
      await ctx.sleep(opts.pollMs);
      continue;
    }
    const outcome = judge(session, goal);
    const closing = outcome === 'wait' ? undefined : CLOSING_EVENT[session.status];
    // the session record changes just before its timeline is written: let the closing events land, briefly
    for (let i = 0; closing && i < SETTLE_POLLS && !events.some((e) => e.type === closing); i++) {
      await ctx.sleep(Math.min(opts.pollMs, 250));
      events = await eventsOf().catch(() => events);
    }
    progress.show(session, events);
    if (outcome === 'done') return session;
    if (outcome instanceof CliError) throw outcome;

    const waited = Date.now() - started;
    if (waited > opts.timeoutSeconds * 1000) {
      throw new CliError(
        'wait_timeout',
        `session ${session.id} is still ${session.status} (${session.phase}) after ${duration(waited)}; it goes on on the server ` +
          `(follow it with: gpu-shopper sessions wait ${session.id})`,
      );
    }
    await ctx.sleep(opts.pollMs);
  }
}

const SETTLE_POLLS = 8;
const CLOSING_EVENT: Partial<Record<string, SessionEvent['type']>> = { running: 'running', failed: 'failed', stopped: 'stopped' };

function judge(session: SessionView, goal: WaitGoal): 'wait' | 'done' | CliError {
  if (goal === 'ended') return session.status === 'stopped' || session.status === 'failed' ? 'done' : 'wait';
  switch (session.status) {
    case 'running':
      return 'done';
    case 'failed':
      return new CliError(session.error_type ?? 'failed', session.error ?? `session ${session.id} failed`);
    case 'stopping':
    case 'stopped':
      return new CliError('session_ended', `session ${session.id} ended (${session.ended_reason ?? session.status}) before it was ready`);
    default:
      return 'wait';
  }
}

function isPassing(err: unknown): boolean {
  if (err instanceof ApiError) return err.status >= 500;
  return err instanceof CliError && (err.errorType === 'connection_failed' || err.errorType === 'timeout');
}

/** Prints what changed since the last poll, one line per step, on stderr. */
class Progress {
  private lastState = '';
  private readonly seen = new Set<string>();

  constructor(
    private readonly out: Output,
    private readonly started: number,
    private history: boolean,
  ) {}

  note(text: string): void {
    const elapsed = ((Date.now() - this.started) / 1000).toFixed(1).padStart(6);
    this.out.note(`[${elapsed}s] ${text}`);
  }

  show(session: SessionView, events: SessionEvent[]): void {
    const fresh = events.filter((e) => {
      const key = JSON.stringify([e.type, e.at, e.attempt, e['probe'], e['provider_status'], e['message']]);
      if (this.seen.has(key)) return false;
      this.seen.add(key);
      return true;
    });
    if (!this.history) {
      // the first poll only learns what had already happened
      this.history = true;
      fresh.length = 0;
    }
    // in the order they happened, a run of SSH probes as one line, and the state they led to last
    let probes: SessionEvent[] = [];
    for (const e of fresh) {
      if (e.type === 'ssh_attempt') {
        probes.push(e);
        continue;
      }
      if (probes.length > 0) this.note(probeLine(probes));
      probes = [];
      const text = describe(e);
      if (text) this.note(text);
    }
    if (probes.length > 0) this.note(probeLine(probes));
    const state = `${session.status} · ${session.phase}`;
    if (state !== this.lastState) {
      this.lastState = state;
      this.note(state);
    }
  }
}

/** The latest probe's number, attempt, class and stage, and the mix of classes since the previous line. */
function probeLine(probes: SessionEvent[]): string {
  const last = probes.at(-1)!;
  const counts = new Map<string, number>();
  for (const p of probes) counts.set(String(p['class']), (counts.get(String(p['class'])) ?? 0) + 1);
  const mix = [...counts].map(([c, n]) => `${c} ×${n}`).join(', ');
  const detail = last['detail'] ? ` (${oneLine(String(last['detail'])).slice(0, 80)})` : '';
  return (
    `ssh probe ${String(last['probe'])} of attempt ${String(last.attempt)}: ${String(last['class'])} at ${String(last['stage'])}` +
    `${detail}${probes.length > 1 ? `; since the last line: ${mix}` : ''}`
  );
}

function describe(e: SessionEvent): string | undefined {
  const s = (k: string) => (e[k] === undefined ? '' : String(e[k]));
  switch (e.type) {
    case 'attempt_started':
      return `attempt ${e.attempt}: offer ${s('offer_id')} on ${s('provider')}`;
    case 'instance_create_requested':
      return `creating the instance on ${s('provider')}`;
    case 'instance_created':
      return `instance ${s('instance_id')} created; SSH must answer within ${s('ssh_deadline_seconds')}s`;
    case 'provider_status':
      return `provider: ${[s('provider_status'), s('message')].filter(Boolean).join(' — ')}`;
    case 'ssh_verified':
      return `ssh verified after ${s('probes')} probes in ${duration(Number(e['duration_ms']))}; host key ${s('host_key_fingerprint')}`;
    case 'attempt_failed':
      return `attempt ${e.attempt} failed: ${s('error_type')}${e.message ? ` — ${oneLine(e.message)}` : ''}`;
    case 'instance_destroyed':
      return `instance ${(e['instance_ids'] as string[] | undefined)?.join(', ') ?? ''} destroyed${e['confirmed'] ? ' (confirmed)' : ''}`;
    case 'destroy_retrying':
      return `destroy not confirmed yet, retrying${e.message ? `: ${oneLine(e.message)}` : ''}`;
    case 'refund_recorded':
      return `refund of ${usd(e['amount'])} recorded for attempt ${e.attempt} (${s('reason')})`;
    case 'retrying':
      return e['offer_id']
        ? `retrying on offer ${s('offer_id')} (${s('gpu_type')}, ${usd(e['price_per_hour'])}/h)`
        : `not retrying: ${s('message')}`;
    case 'failed':
      return `failed: ${s('error_type')}`;
    case 'teardown_requested':
      return `teardown requested (${s('reason')})`;
    case 'teardown_started':
      return 'teardown started';
    case 'stopped':
      return 'stopped';
    default:
      return undefined;
  }
}
