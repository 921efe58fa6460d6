// Session routes: create, list, read, timeline, diagnostics. Thin: validate, call one use case, shape the answer.
import { parsePublicKey } from '../../adapters/ssh/keys.ts';
import { ValidationError } from '../../domain/errors.ts';
import { httpHandler, json, type Route } from '../http-handler.ts';
import type { HttpRequest } from '../request.ts';
import {
  consumerSettingsBody,
  consumerSettingsPath,
  createSessionBody,
  extendSessionBody,
  idempotencyKeyHeader,
  listSessionsQuery,
} from '../schemas/sessions.ts';
import { sessionView } from '../session-view.ts';
import { validate } from '../validate.ts';
import type { ConsumerSettingsStore } from '../../ports/consumer-settings.ts';
import type { SessionEventLog } from '../../ports/session-events.ts';
import { type CreateSessionDeps, createSession } from '../../use-cases/sessions/create-session.ts';
import { diagnostics } from '../../use-cases/sessions/diagnostics.ts';
import { extendSession } from '../../use-cases/sessions/extend-session.ts';
import type { EndReason } from '../../domain/session.ts';
import type { Workflows } from '../../ports/workflows.ts';
import { requestTeardown } from '../../use-cases/teardown/request-teardown.ts';
import { consumerForCaller, sessionForCaller } from '../../use-cases/sessions/read-sessions.ts';

export interface SessionsApiDeps extends CreateSessionDeps {
  events: SessionEventLog;
  workflows: Workflows;
  consumerSettings: ConsumerSettingsStore;
}

export function makeRoutes(deps: SessionsApiDeps): Route[] {
  const routes: Route[] = [
    {
      method: 'POST',
      path: '/api/v1/sessions',
      handler: async (req) => {
        const { consumer_id, ssh_public_key, ...request } = validate(createSessionBody, req.body, 'body');
        const rawKey = req.headers['idempotency-key'];
        const idempotencyKey = rawKey === undefined ? undefined : validate(idempotencyKeyHeader, rawKey, 'header');
        const consumerId = consumerForCaller(consumer_id, req.caller);
        if (consumerId === undefined) throw new ValidationError('consumer_id: is required', { field: 'consumer_id' });
        const created = await createSession(deps, {
          ...request,
          consumer_id: consumerId,
          ssh_public_key: ssh_public_key === undefined ? undefined : parsePublicKey(ssh_public_key),
          idempotency_key: idempotencyKey,
        });
        return json(created.replayed ? 200 : 201, {
          session: sessionView(created.session),
          ssh_private_key: created.ssh_private_key,
          ...(created.replayed ? { idempotent_replay: true } : {}),
        });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/sessions',
      handler: async (req) => {
        const query = validate(listSessionsQuery, req.query, 'query');
        const { sessions, next_cursor } = await deps.sessions.list({
          ...query,
          consumer_id: consumerForCaller(query.consumer_id, req.caller),
        });
        return json(200, {
          sessions: sessions.map(sessionView),
          count: sessions.length,
          ...(next_cursor ? { next_cursor } : {}),
        });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/sessions/{id}',
      handler: async (req) =>
        json(200, sessionView(await sessionForCaller(deps.sessions, req.pathParams['id'] ?? '', req.caller))),
    },
    {
      method: 'GET',
      path: '/api/v1/sessions/{id}/events',
      handler: async (req) => {
        const session = await sessionForCaller(deps.sessions, req.pathParams['id'] ?? '', req.caller);
        const events = await deps.events.list(session.id);
        return json(200, { session_id: session.id, status: session.status, events, count: events.length });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/sessions/{id}/diagnostics',
      handler: async (req) => {
        const session = await sessionForCaller(deps.sessions, req.pathParams['id'] ?? '', req.caller);
        return json(200, diagnostics(session, deps.clock()));
      },
    },
    {
      method: 'POST',
      path: '/api/v1/sessions/{id}/done',
      handler: (req) => end(req, 'consumer_done'),
    },
    {
      method: 'DELETE',
      path: '/api/v1/sessions/{id}',
      handler: (req) => end(req, 'deleted'),
    },
    {
      method: 'POST',
      path: '/api/v1/sessions/{id}/extend',
      handler: async (req) => {
        const session = await sessionForCaller(deps.sessions, req.pathParams['id'] ?? '', req.caller);
        const body = validate(extendSessionBody, req.body, 'body');
        const extended = await extendSession(deps, session, body.additional_hours);
        return json(200, {
          ...sessionView(extended),
          message: 'session extended',
          session_id: extended.id,
          new_expires_at: extended.expires_at,
        });
      },
    },
    // a consumer's own defaults for the sessions it creates (its key, or an admin for anyone)
    {
      method: 'GET',
      path: '/api/v1/consumers/{consumer_id}/settings',
      handler: async (req) => {
        const { consumer_id } = validate(consumerSettingsPath, req.pathParams, 'path');
        const consumerId = consumerForCaller(consumer_id, req.caller)!;
        return json(200, (await deps.consumerSettings.get(consumerId)) ?? { consumer_id: consumerId });
      },
    },
    {
      method: 'PUT',
      path: '/api/v1/consumers/{consumer_id}/settings',
      handler: async (req) => {
        const { consumer_id } = validate(consumerSettingsPath, req.pathParams, 'path');
        const consumerId = consumerForCaller(consumer_id, req.caller)!;
        const body = validate(consumerSettingsBody, req.body, 'body');
        const settings = {
          consumer_id: consumerId,
          ...(body.idle_stop_minutes === null ? {} : { idle_stop_minutes: body.idle_stop_minutes }),
          updated_at: deps.clock().toISOString(),
        };
        await deps.consumerSettings.put(settings);
        return json(200, settings);
      },
    },
  ];

  /** DELETE and done: 202 when this request started the teardown, 200 when the session was already ending. */
  async function end(req: HttpRequest, reason: EndReason) {
    const session = await sessionForCaller(deps.sessions, req.pathParams['id'] ?? '', req.caller);
    const { session: after, started } = await requestTeardown(deps, session, reason);
    return json(started ? 202 : 200, {
      ...sessionView(after),
      message: started ? 'teardown started' : `session is already ${after.status}`,
      session_id: after.id,
    });
  }

  return routes;
}

export const makeHandler = (deps: SessionsApiDeps) => httpHandler(makeRoutes(deps));
