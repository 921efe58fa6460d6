// Cost routes: a session's costs and refunds, a consumer's summary over a period, and monthly budgets.
import { NotFoundError, ValidationError } from '../../domain/errors.ts';
import { requireAdmin } from '../auth.ts';
import { httpHandler, json, type Route } from '../http-handler.ts';
import { budgetBody, budgetPath, costSummaryQuery, costsQuery } from '../schemas/costs.ts';
import { validate } from '../validate.ts';
import { holdMonth } from '../../domain/budget-hold.ts';
import { round6 } from '../../domain/costs.ts';
import type { BudgetStore } from '../../ports/budgets.ts';
import type { CostLedger } from '../../ports/cost-ledger.ts';
import type { SessionStore } from '../../ports/session-store.ts';
import type { BudgetWatch } from '../../use-cases/costs/budget-watch.ts';
import { costSummary, monthBounds, sessionCostReport } from '../../use-cases/costs/cost-report.ts';
import { consumerForCaller, sessionForCaller } from '../../use-cases/sessions/read-sessions.ts';

export interface CostsApiDeps {
  sessions: SessionStore;
  costs: CostLedger;
  budgets: BudgetStore;
  clock: () => Date;
  /** a changed limit may cross an alert line or, with on_exceeded stop, end sessions */
  watchBudget?: BudgetWatch;
}

function period(query: { start_date?: string; end_date?: string; period?: 'daily' | 'monthly' }, now: Date) {
  if (query.period === 'daily') {
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    return { from, to: new Date(from.getTime() + 86_400_000 - 1) };
  }
  if (query.period === 'monthly' || (!query.start_date && !query.end_date)) return monthBounds(now);
  const end = query.end_date ? new Date(`${query.end_date}T23:59:59.999Z`) : undefined;
  const start = query.start_date
    ? new Date(`${query.start_date}T00:00:00Z`)
    : new Date(Date.UTC(end!.getUTCFullYear(), end!.getUTCMonth(), 1));
  const to = end ?? new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1) - 1);
  if (to < start) throw new ValidationError('end_date is before start_date', { field: 'end_date' });
  return { from: start, to };
}

export function makeRoutes(deps: CostsApiDeps): Route[] {
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/api/v1/costs',
      handler: async (req) => {
        const query = validate(costsQuery, req.query, 'query');
        const now = deps.clock();
        if (query.session_id) {
          const session = await sessionForCaller(deps.sessions, query.session_id, req.caller);
          return json(200, { consumer_id: session.consumer_id, ...sessionCostReport(session.id, await deps.costs.forSession(session.id), now) });
        }
        const consumerId = consumerForCaller(query.consumer_id, req.caller);
        const { from, to } = period(query, now);
        return json(200, costSummary(consumerId, await deps.costs.forConsumer(consumerId, from, to), from, to, now));
      },
    },
    {
      method: 'GET',
      path: '/api/v1/costs/summary',
      handler: async (req) => {
        const query = validate(costSummaryQuery, req.query, 'query');
        const consumerId = consumerForCaller(query.consumer_id, req.caller);
        const now = deps.clock();
        const { from, to } = monthBounds(now);
        const summary = costSummary(consumerId, await deps.costs.forConsumer(consumerId, from, to), from, to, now);
        if (!consumerId) return json(200, summary);
        const [budget, month] = await Promise.all([deps.budgets.get(consumerId), deps.budgets.commitment(consumerId, holdMonth(now))]);
        const spent = summary.total_cost;
        return json(200, {
          ...summary,
          spent_usd: spent,
          // what open sessions still hold beyond what they have spent (the ledger already counts their accrued time)
          held_usd: round6(Math.max(0, month.committed_usd - spent)),
          committed_usd: month.committed_usd,
          overrun_usd: month.overrun_usd,
          ...(budget
            ? {
                monthly_budget_usd: budget.monthly_limit_usd,
                remaining_usd: round6(Math.max(0, budget.monthly_limit_usd - month.committed_usd)),
                budget_remaining_usd: round6(Math.max(0, budget.monthly_limit_usd - spent)),
                on_exceeded: budget.on_exceeded,
              }
            : {}),
        });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/budgets/{consumer_id}',
      handler: async (req) => {
        const { consumer_id } = validate(budgetPath, req.pathParams, 'path');
        const consumerId = consumerForCaller(consumer_id, req.caller)!;
        const budget = await deps.budgets.get(consumerId);
        if (!budget) throw new NotFoundError(`no budget for ${consumerId}`, { consumer_id: consumerId });
        return json(200, budget);
      },
    },
    {
      method: 'PUT',
      path: '/api/v1/budgets/{consumer_id}',
      handler: async (req) => {
        requireAdmin(req.caller, 'change budgets');
        const { consumer_id } = validate(budgetPath, req.pathParams, 'path');
        const limit = validate(budgetBody, req.body, 'body');
        const now = deps.clock();
        const budget = { consumer_id, ...limit, updated_at: now.toISOString() };
        await deps.budgets.put(budget);
        await deps.watchBudget?.(consumer_id, holdMonth(now));
        return json(200, budget);
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/budgets/{consumer_id}',
      handler: async (req) => {
        requireAdmin(req.caller, 'change budgets');
        const { consumer_id } = validate(budgetPath, req.pathParams, 'path');
        await deps.budgets.delete(consumer_id);
        return json(200, { consumer_id, deleted: true });
      },
    },
  ];
  return routes;
}

export const makeHandler = (deps: CostsApiDeps) => httpHandler(makeRoutes(deps));
