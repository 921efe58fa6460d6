// Watches the run while it happens: one session listing and one look at each marketplace per tick, shared by every
// session's actor (which waits on it instead of polling on its own). It also measures, for each instance that outlived
// its session, for how long it did (the check compares that with the reconciler's bound once the run is over).
import type { ChaosApi, Json } from './api-client.ts';
import { type BudgetSample, type Lingering, overlapMs, type SessionView, type SimInstance, TERMINAL, type TimeWindow } from './checks.ts';
import { parseLabel } from '../shared/domain/instance.ts';

interface ObserverOptions {
  api: ChaosApi;
  /** the marketplaces' inspection origins, by provider */
  sims: () => Record<string, string>;
  deploymentId: () => string;
  restarts: TimeWindow[];
  /** false while the runtime is down */
  up: () => boolean;
  /** the consumer whose month is sampled every tick */
  budgetedConsumer?: string;
}

export class Observer {
  readonly sessions = new Map<string, SessionView>();
  instances: SimInstance[] = [];
  /** per instance (provider:id): the longest it was seen alive after its session ended */
  readonly lingering = new Map<string, Lingering>();
  /** the budgeted consumer's month at every tick */
  readonly budgetSamples: BudgetSample[] = [];
  ticks = 0;
  private waiters: (() => void)[] = [];
  private stopped = false;
  private loop?: Promise<void>;

  constructor(private readonly options: ObserverOptions) {}

  start(intervalMs = 1000): void {
    this.loop = (async () => {
      while (!this.stopped) {
        if (this.options.up()) await this.tick().catch(() => undefined);
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    for (const w of this.waiters.splice(0)) w();
  }

  async tick(): Promise<void> {
    await Promise.all([this.readSessions(), this.readInstances(), this.readBudget()]);
    this.ticks += 1;
    const now = Date.now();
    this.watchInstances(now);
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves with the session once `done` holds for it, or undefined after the timeout. */
  async waitFor(id: string, done: (s: SessionView) => boolean, timeoutMs: number): Promise<SessionView | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.sessions.get(id);
      if (s && done(s)) return s;
      if (Date.now() > deadline || this.stopped) return undefined;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, Math.max(0, deadline - Date.now())).unref();
      });
    }
  }

  private async readSessions(): Promise<void> {
    let cursor: string | undefined;
    do {
      const query = `limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { status, body } = await this.options.api.call<{ sessions: SessionView[]; next_cursor?: string }>('GET', `/api/v1/sessions?${query}`);
      if (status !== 200) return;
      for (const s of body.sessions) this.sessions.set(s.id, s);
      cursor = body.next_cursor;
    } while (cursor);
  }

  private async readBudget(): Promise<void> {
    const consumer = this.options.budgetedConsumer;
    if (!consumer) return;
    const { status, body } = await this.options.api.call<Json>('GET', `/api/v1/costs/summary?consumer_id=${encodeURIComponent(consumer)}`);
    if (status !== 200) return;
    this.budgetSamples.push({
      at: new Date().toISOString(),
      committed_usd: Number(body['committed_usd'] ?? 0),
      overrun_usd: Number(body['overrun_usd'] ?? 0),
      held_usd: Number(body['held_usd'] ?? 0),
    });
  }

  private async readInstances(): Promise<void> {
    const all: SimInstance[] = [];
    for (const [provider, origin] of Object.entries(this.options.sims())) {
      const res = await fetch(`${origin}/_sim/instances`, { signal: AbortSignal.timeout(10_000) });
      const body = (await res.json()) as { instances: Json[] };
      for (const i of body.instances) all.push({ ...(i as unknown as SimInstance), provider });
    }
    this.instances = all;
  }

  private watchInstances(now: number): void {
    for (const i of this.instances) {
      if (i.gone !== null) continue;
      const label = parseLabel(i.label);
      if (label?.deploymentId !== this.options.deploymentId()) continue;
      const session = this.sessions.get(label.sessionId);
      if (!session || !TERMINAL.has(session.status) || !session.stopped_at) continue;
      const since = Math.max(Date.parse(session.stopped_at), Date.parse(i.created_at));
      const ms = now - since - overlapMs(this.options.restarts, since, now);
      const key = `${i.provider}:${i.id}`;
      if (ms > (this.lingering.get(key)?.ms ?? 0)) this.lingering.set(key, { key, session: session.id, status: session.status, ms });
    }
  }
}
