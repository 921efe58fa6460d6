// GET /api/v1/openapi.json: the OpenAPI 3.1 document, built once per process from the same zod schemas the
// handlers validate with. Public, like the health probes.
import { httpHandler, json, type Route } from '../http-handler.ts';
import { openApiDocument } from '../openapi.ts';

export interface OpenApiDeps {
  version: string;
}

export function makeRoutes(document: Record<string, unknown>): Route[] {
  return [{ method: 'GET', path: '/api/v1/openapi.json', handler: async () => json(200, document) }];
}

export const makeHandler = (deps: OpenApiDeps) => httpHandler(makeRoutes(openApiDocument(deps.version)));
