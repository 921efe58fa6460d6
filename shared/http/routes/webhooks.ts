// Webhook routes: register (the signing secret is in this answer and nowhere else), list, read, remove, and the
// record of deliveries. A consumer key acts only on its own consumer's webhooks; an admin on any.
import { ValidationError } from '../../domain/errors.ts';
import { httpHandler, json, type Route } from '../http-handler.ts';
import { presentParams } from '../query.ts';
import { createWebhookBody, deliveriesQuery, listWebhooksQuery } from '../schemas/webhooks.ts';
import { validate } from '../validate.ts';
import { consumerForCaller } from '../../use-cases/sessions/read-sessions.ts';
import {
  deliveryView,
  registerWebhook,
  type WebhookDeps,
  webhookForCaller,
  webhookView,
} from '../../use-cases/webhooks/manage-webhooks.ts';

export function makeRoutes(deps: WebhookDeps): Route[] {
  const routes: Route[] = [
    {
      method: 'POST',
      path: '/api/v1/webhooks',
      handler: async (req) => {
        const body = validate(createWebhookBody, req.body, 'body');
        const consumerId = consumerForCaller(body.consumer_id, req.caller);
        if (consumerId === undefined) throw new ValidationError('consumer_id: is required', { field: 'consumer_id' });
        const created = await registerWebhook(deps, { ...body, consumer_id: consumerId });
        return json(201, {
          ...created,
          message:
            'Store secret now: it is shown only in this answer. Check GpuShopper-Signature (t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">) on every delivery.',
        });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/webhooks',
      handler: async (req) => {
        const query = validate(listWebhooksQuery, presentParams(req.query), 'query');
        const webhooks = await deps.webhooks.list(consumerForCaller(query.consumer_id, req.caller));
        return json(200, { webhooks: webhooks.map(webhookView), count: webhooks.length });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/webhooks/{id}',
      handler: async (req) =>
        json(200, webhookView(await webhookForCaller(deps, req.pathParams['id'] ?? '', req.caller))),
    },
    {
      method: 'DELETE',
      path: '/api/v1/webhooks/{id}',
      handler: async (req) => {
        const webhook = await webhookForCaller(deps, req.pathParams['id'] ?? '', req.caller);
        await deps.webhooks.delete(webhook.id);
        return json(200, { id: webhook.id, deleted: true });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/webhooks/{id}/deliveries',
      handler: async (req) => {
        const webhook = await webhookForCaller(deps, req.pathParams['id'] ?? '', req.caller);
        const query = validate(deliveriesQuery, presentParams(req.query), 'query');
        const deliveries = await deps.deliveries.list(webhook.id, query.limit ?? 50);
        return json(200, { webhook_id: webhook.id, deliveries: deliveries.map(deliveryView), count: deliveries.length });
      },
    },
  ];
  return routes;
}

export const makeHandler = (deps: WebhookDeps) => httpHandler(makeRoutes(deps));
