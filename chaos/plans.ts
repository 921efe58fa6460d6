// What each session of a chaos run goes through, from the consumer's side: created on a random offer, then ended in
// one of several ways — deleted at once (while its instance is being created), a burst of DELETE/done/extend at once,
// left to expire (with or without extensions up to the hard maximum, or with a burst fired right at its expiry), or
// kept until the run ends it. Every third session belongs to one consumer with a monthly budget, so its creates and
// extensions race for the same holds (402 budget_exceeded is then an allowed answer).
import type { ChaosApi, Json } from './api-client.ts';
import type { SessionView } from './checks.ts';
import { TERMINAL } from './checks.ts';
import type { Observer } from './observer.ts';

const PLAN_KINDS = ['delete_at_once', 'burst_when_running', 'expire', 'extend_then_expire', 'burst_at_expiry', 'keep'] as const;
type PlanKind = (typeof PLAN_KINDS)[number];

/** Share of sessions per plan. */
const WEIGHTS: Record<PlanKind, number> = {
  delete_at_once: 0.12,
  burst_when_running: 0.3,
  expire: 0.15,
  extend_then_expire: 0.15,
  burst_at_expiry: 0.13,
  keep: 0.15,
};

export interface Plan {
  n: number;
  kind: PlanKind;
  /** ms after the first session */
  createAtMs: number;
  reservationHours: number;
  autoRetry: boolean;
  /** the session belongs to the run's budgeted consumer */
  budgeted: boolean;
}

/** The one consumer of a run that has a budget. */
export const budgetedConsumer = (runId: string) => `chaos-${runId}-budgeted`;

export interface OfferRef {
  id: string;
  provider: string;
  gpu_type: string;
  price_per_hour: number;
}

/** What the consumer side saw: answers per action and status, and answers the contract does not allow. */
interface ActorLog {
  answers: Record<string, number>;
  unexpected: { session?: string; action: string; status: number; error_type?: string }[];
  created: string[];
  /** creates refused (e.g. the offer went away between inventory and create), by error_type */
  refusedCreates: Record<string, number>;
  plans: Record<string, number>;
}

export const newActorLog = (): ActorLog => ({ answers: {}, unexpected: [], created: [], refusedCreates: {}, plans: {} });

export function makePlans(count: number, random: () => number, staggerMs: number): Plan[] {
  const kinds = Object.entries(WEIGHTS) as [PlanKind, number][];
  return Array.from({ length: count }, (_, n) => {
    // every way of ending appears once (a short run too), then they come by weight
    let kind: PlanKind = PLAN_KINDS[n] ?? 'keep';
    if (n >= PLAN_KINDS.length) {
      let r = random();
      for (const [k, w] of kinds) {
        if (r < w) {
          kind = k;
          break;
        }
        r -= w;
      }
    }
    return {
      n,
      kind,
      createAtMs: count > 1 ? Math.round((n / (count - 1)) * staggerMs) : 0,
      // sessions that are kept are reserved until the hard maximum; the others expire after one reserved hour
      reservationHours: kind === 'keep' ? 3 : 1,
      autoRetry: random() < 0.8,
      budgeted: n % 3 === 2,
    };
  });
}

/** Which answers the API contract allows for each action (anything else is reported). */
const ALLOWED: Record<string, number[]> = {
  create: [200, 201],
  delete: [200, 202],
  done: [200, 202],
  // 400 hard_max_exceeded, 409 invalid_state once the session is ending
  extend: [200, 400, 409],
};

/** What the budgeted consumer may also be answered: 402 past its budget, 409 for a second session on one offer. */
const ALLOWED_BUDGETED: Record<string, number[]> = { create: [402, 409], extend: [402] };

interface ActorContext {
  api: ChaosApi;
  observer: Observer;
  random: () => number;
  hourMs: number;
  runId: string;
  log: ActorLog;
  /** offers currently listed */
  offers: () => OfferRef[];
  startedAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function act(
  ctx: ActorContext,
  session: string | undefined,
  action: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  budgeted = false,
) {
  const res = await ctx.api.call(method, path, body, { headers, resend: action !== 'extend' });
  const key = `${action} ${res.status}`;
  ctx.log.answers[key] = (ctx.log.answers[key] ?? 0) + 1;
  const allowed = [...ALLOWED[action]!, ...(budgeted ? (ALLOWED_BUDGETED[action] ?? []) : [])];
  if (!allowed.includes(res.status) && res.status < 500 && res.status !== 0) {
    ctx.log.unexpected.push({ session, action, status: res.status, error_type: (res.body as Json)['error_type'] as string | undefined });
  }
  return res;
}

/** Several requests on one session, all at once. */
async function burst(ctx: ActorContext, id: string, actions: ('delete' | 'done' | 'extend')[], budgeted: boolean): Promise<void> {
  await Promise.all(
    actions.map((a) =>
      a === 'delete'
        ? act(ctx, id, 'delete', 'DELETE', `/api/v1/sessions/${id}`)
        : a === 'done'
          ? act(ctx, id, 'done', 'POST', `/api/v1/sessions/${id}/done`)
          : act(ctx, id, 'extend', 'POST', `/api/v1/sessions/${id}/extend`, { additional_hours: 1 }, {}, budgeted),
    ),
  );
}

async function create(ctx: ActorContext, plan: Plan): Promise<string | undefined> {
  const excluded = new Set<string>();
  // like the existing clients: up to 3 tries, another offer after a stale one
  for (let tries = 0; tries < 3; tries++) {
    const candidates = ctx.offers().filter((o) => !excluded.has(o.id));
    if (candidates.length === 0) return undefined;
    const offer = candidates[Math.floor(ctx.random() * candidates.length)]!;
    const res = await act(
      ctx,
      undefined,
      'create',
      'POST',
      '/api/v1/sessions',
      {
        consumer_id: plan.budgeted ? budgetedConsumer(ctx.runId) : `chaos-${ctx.runId}-${plan.n}`,
        offer_id: offer.id,
        workload_type: 'interactive',
        reservation_hours: plan.reservationHours,
        auto_retry: plan.autoRetry,
        max_retries: 3,
      },
      // a create sent again after a broken connection is answered with the session the first one made
      { 'Idempotency-Key': `chaos-${ctx.runId}-${plan.n}-${tries}` },
      plan.budgeted,
    );
    if (res.status === 200 || res.status === 201) {
      const id = String(((res.body as Json)['session'] as Json)['id']);
      ctx.log.created.push(id);
      return id;
    }
    const type = String((res.body as Json)['error_type'] ?? res.status);
    ctx.log.refusedCreates[type] = (ctx.log.refusedCreates[type] ?? 0) + 1;
    excluded.add(offer.id);
  }
  return undefined;
}

const isEnding = (s: SessionView) => s.status === 'stopping' || TERMINAL.has(s.status);
const isRunningOrOver = (s: SessionView) => s.status === 'running' || isEnding(s);

/** Waits for the sweep to end the session (by the hard maximum at the latest, with room for a busy machine). */
async function waitForExpiry(ctx: ActorContext, id: string): Promise<void> {
  const s = ctx.observer.sessions.get(id);
  const latest = s ? Date.parse(s.hard_max_at) : Date.now() + 3 * ctx.hourMs;
  await ctx.observer.waitFor(id, isEnding, latest - Date.now() + 60_000);
}

/** One session's life as its consumer drives it. */
export async function runPlan(ctx: ActorContext, plan: Plan): Promise<void> {
  await sleep(ctx.startedAt + plan.createAtMs - Date.now());
  ctx.log.plans[plan.kind] = (ctx.log.plans[plan.kind] ?? 0) + 1;
  const id = await create(ctx, plan);
  if (!id) return;
  const timeout = 3 * ctx.hourMs;
  switch (plan.kind) {
    case 'delete_at_once':
      await sleep(ctx.random() * 1500);
      await burst(ctx, id, ['delete', 'done', 'delete'], plan.budgeted);
      return;
    case 'burst_when_running':
      await ctx.observer.waitFor(id, isRunningOrOver, timeout);
      await sleep(ctx.random() * 3000);
      await burst(ctx, id, ['delete', 'done', 'extend', 'delete', 'done', 'extend'], plan.budgeted);
      return;
    case 'expire':
      await ctx.observer.waitFor(id, () => true, timeout);
      await waitForExpiry(ctx, id);
      return;
    case 'extend_then_expire':
      await ctx.observer.waitFor(id, isRunningOrOver, timeout);
      // three at once: the hard maximum (3 h) lets only two of them through
      await burst(ctx, id, ['extend', 'extend', 'extend'], plan.budgeted);
      await waitForExpiry(ctx, id);
      return;
    case 'burst_at_expiry': {
      const s = await ctx.observer.waitFor(id, () => true, timeout);
      if (!s) return;
      // right around the moment the sweep may end it: extend, done and DELETE race the expiry
      await sleep(Date.parse(s.expires_at) - Date.now() - 400 + ctx.random() * 800);
      await burst(ctx, id, ['extend', 'done', 'delete', 'extend'], plan.budgeted);
      return;
    }
    case 'keep':
      return;
  }
}
