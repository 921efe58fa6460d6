// GET /api/v1/openapi.json: the OpenAPI 3.1 document, built once per process from the same zod schemas the
// handlers validate with. Public, like the health probes.
import { appVersion } from '../../shared/composition/app-version.ts';
import { httpHandler, json, type RouteHandler } from '../../shared/http/http-handler.ts';
import { openApiDocument } from '../../shared/http/openapi.ts';

export function makeRoute(document: Record<string, unknown>): RouteHandler {
  return async () => json(200, document);
}

export const handler = httpHandler(makeRoute(openApiDocument(appVersion())));
