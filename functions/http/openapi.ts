// GET /api/v1/openapi.json: the OpenAPI 3.1 document, built once per process from the same zod schemas the
// handlers validate with. Public, like the health probes.
import { appVersion } from '../../shared/composition/app-version.ts';
import { httpHandler, json, type Route } from '../../shared/http/http-handler.ts';
import { openApiDocument } from '../../shared/http/openapi.ts';

export function makeRoutes(document: Record<string, unknown>): Route[] {
  return [{ method: 'GET', path: '/api/v1/openapi.json', handler: async () => json(200, document) }];
}

export const handler = httpHandler(makeRoutes(openApiDocument(appVersion())));
