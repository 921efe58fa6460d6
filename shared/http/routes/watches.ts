// Price and availability watches: create, list, read, cancel. The shared check runs after every inventory refresh.
import { parsePublicKey } from '../../adapters/ssh/keys.ts';
import { ValidationError } from '../../domain/errors.ts';
import { httpHandler, json, type Route } from '../http-handler.ts';
import { presentParams } from '../query.ts';
import type { HttpRequest, } from '../request.ts';
import { createWatchBody, listWatchesQuery, watchPath } from '../schemas/watches.ts';
import { validate } from '../validate.ts';
import { callerMaySee, consumerForCaller } from '../../use-cases/sessions/read-sessions.ts';
import { watchView } from '../../use-cases/watches/check-watches.ts';
import { cancelWatch, createWatch, type WatchDeps, watchForCaller } from '../../use-cases/watches/manage-watches.ts';

export function makeRoutes(deps: WatchDeps): Route[] {
  const byId = async (req: HttpRequest) => {
    const { id } = validate(watchPath, req.pathParams, 'path');
    return watchForCaller(deps, id, (consumerId) => callerMaySee(req.caller, consumerId));
  };
  const routes: Route[] = [
    {
      method: 'POST',
      path: '/api/v1/watches',
      handler: async (req) => {
        const { consumer_id, session, ...request } = validate(createWatchBody, req.body, 'body');
        const consumerId = consumerForCaller(consumer_id, req.caller);
        if (consumerId === undefined) throw new ValidationError('consumer_id: is required', { field: 'consumer_id' });
        const watch = await createWatch(deps, {
          ...request,
          consumer_id: consumerId,
          // a session sent with a notify watch is not kept
          ...(request.action === 'create' && session
            ? { session: { ...session, ssh_public_key: parsePublicKey(session.ssh_public_key) } }
            : {}),
        });
        return json(201, watchView(watch));
      },
    },
    {
      method: 'GET',
      path: '/api/v1/watches',
      handler: async (req) => {
        const query = validate(listWatchesQuery, presentParams(req.query), 'query');
        const watches = await deps.watches.list(consumerForCaller(query.consumer_id, req.caller), query.limit);
        return json(200, { watches: watches.map(watchView), count: watches.length });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/watches/{id}',
      handler: async (req) => json(200, watchView(await byId(req))),
    },
    {
      method: 'DELETE',
      path: '/api/v1/watches/{id}',
      handler: async (req) => json(200, watchView(await cancelWatch(deps, await byId(req)))),
    },
  ];
  return routes;
}

export const makeHandler = (deps: WatchDeps) => httpHandler(makeRoutes(deps));
