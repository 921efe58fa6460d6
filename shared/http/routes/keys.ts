// Admin routes for API keys: create (the key is in this answer and nowhere else, ever), list, revoke.
import { API_KEY_ID } from '../../domain/api-key.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { requireAdmin } from '../auth.ts';
import { httpHandler, json, type Route } from '../http-handler.ts';
import { presentParams } from '../query.ts';
import { createKeyBody, listKeysQuery } from '../schemas/keys.ts';
import { validate } from '../validate.ts';
import { sanitizeEcho } from '../../observability/redact.ts';
import { createApiKey, type KeyDeps, listApiKeys, revokeApiKey } from '../../use-cases/keys/manage-keys.ts';

export function makeRoutes(deps: KeyDeps): Route[] {
  const routes: Route[] = [
    {
      method: 'POST',
      path: '/api/v1/keys',
      handler: async (req) => {
        const body = validate(createKeyBody, req.body, 'body');
        const created = await createApiKey(deps, body);
        return json(201, {
          ...created,
          message: 'Store api_key now: it is shown only in this answer. Send it as "Authorization: Bearer <api_key>".',
        });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/keys',
      handler: async (req) => {
        const query = validate(listKeysQuery, presentParams(req.query), 'query');
        const keys = await listApiKeys(deps, {
          consumer_id: query.consumer_id,
          include_revoked: query.include_revoked !== 'false',
        });
        return json(200, { keys, count: keys.length });
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/keys/{id}',
      handler: async (req) => {
        const id = req.pathParams['id'] ?? '';
        if (!API_KEY_ID.test(id)) {
          const shown = sanitizeEcho(id, 64);
          throw new NotFoundError(`no API key ${shown}`, { key_id: shown });
        }
        return json(200, await revokeApiKey(deps, id));
      },
    },
  ];
  // every key route is an operator's, checked before anything about the request
  return routes.map((route) => ({
    ...route,
    handler: (req) => {
      requireAdmin(req.caller, 'manage API keys');
      return route.handler(req);
    },
  }));
}

export const makeHandler = (deps: KeyDeps) => httpHandler(makeRoutes(deps));
