// Benchmark runs (start, list, read with per-item status, cancel) and benchmark schedules (create, list, read,
// enable/disable, delete). The runs themselves go on in the benchmark-run state machine.
import { ValidationError } from '../../domain/errors.ts';
import { httpHandler, json, type Route } from '../http-handler.ts';
import { presentParams } from '../query.ts';
import type { HttpRequest, } from '../request.ts';
import {
  createRunBody,
  createScheduleBody,
  listRunsQuery,
  runPath,
  schedulePath,
  updateScheduleBody,
} from '../schemas/benchmarks.ts';
import { validate } from '../validate.ts';
import type { BenchmarkRunStore, BenchmarkScheduleStore, BenchmarkWorkflow } from '../../ports/benchmarks.ts';
import { cancelRun, runForCaller, runView, startRun } from '../../use-cases/benchmarks/benchmark-runs.ts';
import { createSchedule, scheduleForCaller, scheduleView } from '../../use-cases/benchmarks/benchmark-schedules.ts';
import { callerMaySee, consumerForCaller } from '../../use-cases/sessions/read-sessions.ts';
import type { RequestTeardownDeps } from '../../use-cases/teardown/request-teardown.ts';

export interface BenchmarkRunsApiDeps extends RequestTeardownDeps {
  runs: BenchmarkRunStore;
  schedules: BenchmarkScheduleStore;
  workflow: BenchmarkWorkflow;
}

const requireConsumer = (consumerId: string | undefined): string => {
  if (consumerId === undefined) throw new ValidationError('consumer_id: is required', { field: 'consumer_id' });
  return consumerId;
};

export function makeRoutes(deps: BenchmarkRunsApiDeps): Route[] {
  const run = async (req: HttpRequest) => {
    const { id } = validate(runPath, req.pathParams, 'path');
    return runForCaller(deps.runs, id, (c) => callerMaySee(req.caller, c));
  };
  const schedule = async (req: HttpRequest) => {
    const { id } = validate(schedulePath, req.pathParams, 'path');
    return scheduleForCaller(deps, id, (c) => callerMaySee(req.caller, c));
  };
  const routes: Route[] = [
    {
      method: 'POST',
      path: '/api/v1/benchmark-runs',
      handler: async (req) => {
        const { consumer_id, ...spec } = validate(createRunBody, req.body, 'body');
        const { run: started } = await startRun(deps, requireConsumer(consumerForCaller(consumer_id, req.caller)), spec);
        return json(201, runView(started, await deps.runs.items(started.id)));
      },
    },
    {
      method: 'GET',
      path: '/api/v1/benchmark-runs',
      handler: async (req) => {
        const q = validate(listRunsQuery, presentParams(req.query), 'query');
        const runs = await deps.runs.list(consumerForCaller(q.consumer_id, req.caller), q.limit);
        return json(200, { runs: runs.map((r) => runView(r, []).run), count: runs.length });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/benchmark-runs/{id}',
      handler: async (req) => {
        const r = await run(req);
        return json(200, runView(r, await deps.runs.items(r.id)));
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/benchmark-runs/{id}',
      handler: async (req) => {
        const cancelled = await cancelRun(deps, await run(req));
        return json(200, runView(cancelled, await deps.runs.items(cancelled.id)));
      },
    },
    {
      method: 'POST',
      path: '/api/v1/benchmark-schedules',
      handler: async (req) => {
        const { consumer_id, ...schedule } = validate(createScheduleBody, req.body, 'body');
        const created = await createSchedule(deps, { ...schedule, consumer_id: requireConsumer(consumerForCaller(consumer_id, req.caller)) });
        return json(201, scheduleView(created, deps.clock()));
      },
    },
    {
      method: 'GET',
      path: '/api/v1/benchmark-schedules',
      handler: async (req) => {
        const q = validate(listRunsQuery, presentParams(req.query), 'query');
        const list = await deps.schedules.list(consumerForCaller(q.consumer_id, req.caller), q.limit);
        return json(200, { schedules: list.map((s) => scheduleView(s, deps.clock())), count: list.length });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/benchmark-schedules/{id}',
      handler: async (req) => json(200, scheduleView(await schedule(req), deps.clock())),
    },
    {
      method: 'PUT',
      path: '/api/v1/benchmark-schedules/{id}',
      handler: async (req) => {
        const s = await schedule(req);
        const { enabled } = validate(updateScheduleBody, req.body, 'body');
        const now = deps.clock();
        const { schedule: stored } = await deps.schedules.apply(s.id, (cur) =>
          // re-enabling does not make up for the occurrences it was off for
          cur.enabled === enabled ? undefined : { enabled, updated_at: now.toISOString(), ...(enabled ? { last_fired_for: now.toISOString() } : {}) },
        );
        return json(200, scheduleView(stored, now));
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/benchmark-schedules/{id}',
      handler: async (req) => {
        const s = await schedule(req);
        await deps.schedules.delete(s.id);
        return json(200, { id: s.id, deleted: true });
      },
    },
  ];
  return routes;
}

export const makeHandler = (deps: BenchmarkRunsApiDeps) => httpHandler(makeRoutes(deps));
