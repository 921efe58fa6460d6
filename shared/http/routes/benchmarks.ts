// Benchmark results: record, list, read, and the questions asked of them (best, cheapest, compare, recommendations).
import { httpHandler, json, type Route } from '../http-handler.ts';
import { presentParams } from '../query.ts';
import type { HttpRequest, } from '../request.ts';
import {
  benchmarkPath,
  cheapestQuery,
  compareQuery,
  createBenchmarkBody,
  listBenchmarksQuery,
  modelQuery,
  recommendationsQuery,
} from '../schemas/benchmarks.ts';
import { validate } from '../validate.ts';
import type { BenchmarkStore } from '../../ports/benchmarks.ts';
import type { InventoryReader } from '../../ports/inventory.ts';
import {
  bestResult,
  cheapestResult,
  compareResults,
  getResult,
  recommend,
  recordResult,
  resultView,
  withAnalysis,
} from '../../use-cases/benchmarks/benchmark-results.ts';
import { consumerForCaller } from '../../use-cases/sessions/read-sessions.ts';

export interface BenchmarksApiDeps {
  results: BenchmarkStore;
  inventory: InventoryReader;
  clock: () => Date;
  newId?: () => string;
}

export function makeRoutes(deps: BenchmarksApiDeps): Route[] {
  const query = (req: HttpRequest) => presentParams(req.query);
  const routes: Route[] = [
    {
      method: 'POST',
      path: '/api/v1/benchmarks',
      handler: async (req) => {
        const { consumer_id, ...body } = validate(createBenchmarkBody, req.body, 'body');
        const reporter = consumerForCaller(consumer_id, req.caller);
        const result = await recordResult(deps, { ...body, ...(reporter ? { consumer_id: reporter } : {}) });
        return json(201, withAnalysis(result));
      },
    },
    {
      method: 'GET',
      path: '/api/v1/benchmarks',
      handler: async (req) => {
        const { gpu, gpu_type, ...q } = validate(listBenchmarksQuery, query(req), 'query');
        const gpuType = gpu_type ?? gpu;
        const { results, next_cursor } = await deps.results.list({ ...q, ...(gpuType ? { gpu_type: gpuType } : {}) });
        return json(200, { benchmarks: results.map(resultView), count: results.length, ...(next_cursor ? { next_cursor } : {}) });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/benchmarks/best',
      handler: async (req) =>
        json(200, withAnalysis(await bestResult(deps, validate(modelQuery, query(req), 'query')))),
    },
    {
      method: 'GET',
      path: '/api/v1/benchmarks/cheapest',
      handler: async (req) =>
        json(200, withAnalysis(await cheapestResult(deps, validate(cheapestQuery, query(req), 'query')))),
    },
    {
      method: 'GET',
      path: '/api/v1/benchmarks/compare',
      handler: async (req) => json(200, await compareResults(deps, validate(compareQuery, query(req), 'query'))),
    },
    {
      method: 'GET',
      path: '/api/v1/benchmarks/recommendations',
      handler: async (req) => {
        const q = validate(recommendationsQuery, query(req), 'query');
        const recommendations = await recommend(deps, q);
        return json(200, { model: q.model, recommendations, count: recommendations.length });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/benchmarks/{id}',
      handler: async (req) => {
        const { id } = validate(benchmarkPath, req.pathParams, 'path');
        return json(200, withAnalysis(await getResult(deps, id)));
      },
    },
  ];
  return routes;
}

export const makeHandler = (deps: BenchmarksApiDeps) => httpHandler(makeRoutes(deps));
