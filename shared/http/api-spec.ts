// The API described route by route with the same zod schemas the handlers validate with and answer in. The OpenAPI
// document (openapi.ts) is generated from this, and a test checks that it covers every route of the app model.
import * as z from 'zod';
import { budgetBody, budgetPath, costSummaryQuery, costsQuery } from './schemas/costs.ts';
import { inventoryQuery, offerHealthQuery, offerPath, offerQuery } from './schemas/inventory.ts';
import { createKeyBody, keyPath, listKeysQuery } from './schemas/keys.ts';
import * as r from './schemas/responses.ts';
import {
  consumerSettingsBody,
  consumerSettingsPath,
  createSessionBody,
  extendSessionBody,
  idempotencyKeyHeader,
  listSessionsQuery,
} from './schemas/sessions.ts';
import { compatibleTemplatesQuery, templatePath, templatesQuery } from './schemas/templates.ts';
import { createWatchBody, listWatchesQuery, watchPath } from './schemas/watches.ts';
import * as wh from './schemas/webhooks.ts';
import { benchmarkDocs, benchmarkSchemas } from './benchmark-docs.ts';

export interface ResponseDoc {
  description: string;
  schema: z.ZodType;
}

export interface RouteDoc {
  summary: string;
  description?: string;
  path?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: z.ZodType;
  /** success answers; error answers are added from `errors` */
  responses: Record<number, ResponseDoc>;
  /** error statuses this route answers with an error body (401 is added for every route marked auth) */
  errors: number[];
}

/** Named schemas: each becomes `#/components/schemas/<name>`. */
export const namedSchemas = {
  Error: r.errorBody,
  GatewayUnauthorized: r.gatewayUnauthorized,
  Health: r.healthAnswer,
  Ready: r.readyAnswer,
  NotReady: r.notReadyAnswer,
  Offer: r.offer,
  Inventory: r.inventoryAnswer,
  OfferHealth: r.offerHealthAnswer,
  Session: r.session,
  CreatedSession: r.createSessionAnswer,
  SessionList: r.sessionList,
  SessionEvents: r.sessionEvents,
  SessionDiagnostics: r.sessionDiagnostics,
  EndedSession: r.endedSession,
  ExtendedSession: r.extendedSession,
  SessionCosts: r.sessionCosts,
  CostSummary: r.costSummary,
  Costs: r.costsAnswer,
  Budget: r.budget,
  BudgetDeleted: r.budgetDeleted,
  ConsumerSettings: r.consumerSettings,
  ApiKey: r.apiKey,
  CreatedApiKey: r.createdKey,
  ApiKeyList: r.keyList,
  OpenApiDocument: r.openApiDocument,
  CreateSessionRequest: createSessionBody,
  ExtendSessionRequest: extendSessionBody,
  BudgetRequest: budgetBody,
  ConsumerSettingsRequest: consumerSettingsBody,
  CreateApiKeyRequest: createKeyBody,
  Watch: r.watch,
  WatchList: r.watchList,
  CreateWatchRequest: createWatchBody,
  Webhook: wh.webhookAnswer,
  CreatedWebhook: wh.createdWebhookAnswer,
  WebhookList: wh.webhookList,
  WebhookDeleted: wh.webhookDeleted,
  WebhookDelivery: wh.deliveryAnswer,
  WebhookDeliveries: wh.deliveryList,
  CreateWebhookRequest: wh.createWebhookBody,
  ...benchmarkSchemas,
} satisfies Record<string, z.ZodType>;

const sessionPath = z.object({
  id: z.string().meta({ description: 'session id (a UUID); any other value answers 404' }),
});
const idempotencyHeaders = z.object({
  'idempotency-key': idempotencyKeyHeader.optional().meta({ description: 'a repeat with the same key returns the same session and key' }),
});

const ok = (schema: z.ZodType, description: string): Record<number, ResponseDoc> => ({ 200: { description, schema } });
const ending = (what: string): Record<number, ResponseDoc> => ({
  202: { description: `${what}: teardown started`, schema: r.endedSession },
  200: { description: 'the session was already ending or ended', schema: r.endedSession },
});

export const apiDocs: Record<string, RouteDoc> = {
  'GET /health': { summary: 'Liveness', responses: ok(r.healthAnswer, 'the process answers'), errors: [] },
  'GET /ready': {
    summary: 'Readiness: storage answers and inventory is fresh',
    responses: { ...ok(r.readyAnswer, 'ready'), 503: { description: 'not ready yet', schema: r.notReadyAnswer } },
    errors: [],
  },
  'GET /api/v1/openapi.json': { summary: 'This document', responses: ok(r.openApiDocument, 'OpenAPI 3.1'), errors: [] },
  'GET /api/v1/inventory': {
    summary: 'Offers from the stored inventory (never calls a provider)',
    description:
      'price_per_hour is the all-in hourly price for the disk named by disk_gb (default: the sessions’ default disk, ' +
      'answered as priced_for_disk_gb): the GPU (TensorDock: with its vCPUs and RAM) plus that disk, at the provider ' +
      'minimum at least. max_price and the price sort use it; hosts that cannot give the disk are left out. Bandwidth ' +
      '(inet_down_price_per_gb, inet_up_price_per_gb) is billed per GB on top.',
    query: inventoryQuery,
    responses: ok(r.inventoryAnswer, 'matching offers and per-provider inventory state'),
    errors: [400],
  },
  'GET /api/v1/inventory/{id}': {
    summary: 'One offer, priced all in for disk_gb (or the default disk)',
    path: offerPath,
    query: offerQuery,
    responses: ok(r.offer, 'the offer'),
    errors: [400, 404],
  },
  'GET /api/v1/inventory/{id}/compatible-templates': {
    summary: 'The Vast.ai templates an offer can run (its properties against each template’s extra_filters)',
    path: offerPath,
    query: compatibleTemplatesQuery,
    responses: ok(r.compatibleTemplates, 'compatible templates (an empty list with a note for non-Vast.ai offers)'),
    errors: [400, 404],
  },
  'GET /api/v1/templates': {
    summary: 'The Vast.ai template catalog, as the last scheduled refresh stored it',
    query: templatesQuery,
    responses: ok(r.templateList, 'templates'),
    errors: [400],
  },
  'GET /api/v1/templates/{hash_id}': {
    summary: 'One template',
    path: templatePath,
    responses: ok(r.templateDetail, 'the template'),
    errors: [404],
  },
  'GET /api/v1/offer-health': {
    summary: 'Recent offer failures, suppressed offers, degraded GPU types',
    query: offerHealthQuery,
    responses: ok(r.offerHealthAnswer, 'offer health'),
    errors: [400],
  },
  'POST /api/v1/sessions': {
    summary: 'Create a session on an offer; provisioning continues asynchronously',
    description: 'The answer carries the session private key; it is never shown again.',
    headers: idempotencyHeaders,
    body: createSessionBody,
    responses: {
      201: { description: 'created', schema: r.createSessionAnswer },
      200: { description: 'an Idempotency-Key repeat: the same session and key', schema: r.createSessionAnswer },
    },
    errors: [400, 402, 403, 409, 413, 503],
  },
  'GET /api/v1/sessions': {
    summary: "List sessions (a consumer key sees only its consumer's)",
    query: listSessionsQuery,
    responses: ok(r.sessionList, 'sessions, newest first'),
    errors: [400, 403],
  },
  'GET /api/v1/sessions/{id}': { summary: 'One session', path: sessionPath, responses: ok(r.session, 'the session'), errors: [404] },
  'GET /api/v1/sessions/{id}/events': {
    summary: "The session's timeline",
    path: sessionPath,
    responses: ok(r.sessionEvents, 'events, oldest first'),
    errors: [404],
  },
  'GET /api/v1/sessions/{id}/diagnostics': {
    summary: 'Diagnostics at a glance',
    path: sessionPath,
    responses: ok(r.sessionDiagnostics, 'diagnostics'),
    errors: [404],
  },
  'POST /api/v1/sessions/{id}/done': { summary: 'End a session', path: sessionPath, responses: ending('ending'), errors: [404] },
  'DELETE /api/v1/sessions/{id}': { summary: 'End a session', path: sessionPath, responses: ending('ending'), errors: [404] },
  'POST /api/v1/sessions/{id}/extend': {
    summary: 'Move expires_at later (never past the hard maximum)',
    description: "The added hours are held against the consumer's monthly budget at the session's price (402 past it).",
    path: sessionPath,
    body: extendSessionBody,
    responses: ok(r.extendedSession, 'the extended session'),
    errors: [400, 402, 404, 409, 413],
  },
  'GET /api/v1/consumers/{consumer_id}/settings': {
    summary: "A consumer's session defaults",
    path: consumerSettingsPath,
    responses: ok(r.consumerSettings, 'the defaults (only consumer_id when none are set)'),
    errors: [400, 403],
  },
  'PUT /api/v1/consumers/{consumer_id}/settings': {
    summary: "Set a consumer's session defaults (its own key, or an admin)",
    description:
      'idle_stop_minutes applies to every session the consumer creates without naming one (API, watches); a create with idle_stop_minutes: null opts out.',
    path: consumerSettingsPath,
    body: consumerSettingsBody,
    responses: ok(r.consumerSettings, 'the defaults'),
    errors: [400, 403, 413],
  },
  'GET /api/v1/costs': {
    summary: "A session's costs (session_id) or a consumer's summary over a period",
    query: costsQuery,
    responses: ok(r.costsAnswer, 'costs, refunds included'),
    errors: [400, 403, 404],
  },
  'GET /api/v1/costs/summary': {
    summary: "A consumer's costs this month, with its budget",
    description:
      'spent_usd is what the ledger billed; held_usd what open sessions still reserve beyond it; committed_usd = spent + held, what the budget counts; remaining_usd = limit − committed.',
    query: costSummaryQuery,
    responses: ok(r.costSummary, 'summary'),
    errors: [400, 403],
  },
  'GET /api/v1/budgets/{consumer_id}': {
    summary: "A consumer's monthly budget",
    path: budgetPath,
    responses: ok(r.budget, 'the budget'),
    errors: [400, 403, 404],
  },
  'PUT /api/v1/budgets/{consumer_id}': {
    summary: 'Set a monthly budget (admin)',
    description:
      'Every session holds price × reserved hours against its month until it ends and the ledger cost replaces the hold. Alerts go out at 80 % and 100 %. on_exceeded: block (default) refuses new sessions and extensions past the limit; stop also ends the running sessions once the month is committed past it.',
    path: budgetPath,
    body: budgetBody,
    responses: ok(r.budget, 'the budget'),
    errors: [400, 403, 413],
  },
  'DELETE /api/v1/budgets/{consumer_id}': {
    summary: 'Remove a monthly budget (admin)',
    path: budgetPath,
    responses: ok(r.budgetDeleted, 'removed'),
    errors: [400, 403],
  },
  'POST /api/v1/watches': {
    summary: 'Watch for an offer at or under a price',
    description:
      'Checked against the stored inventory after every refresh (one shared poll). On the first match it fires once: notify publishes watch.matched (events, webhooks); create also creates the session with the given request and public key, within the budget hold (a refusal keeps the watch active with last_error). Expires after expires_in_hours (24, at most 168).',
    body: createWatchBody,
    responses: { 201: { description: 'created', schema: r.watch } },
    errors: [400, 403, 413],
  },
  'GET /api/v1/watches': {
    summary: "A consumer's watches, newest first",
    query: listWatchesQuery,
    responses: ok(r.watchList, 'watches'),
    errors: [400, 403],
  },
  'GET /api/v1/watches/{id}': { summary: 'One watch', path: watchPath, responses: ok(r.watch, 'the watch'), errors: [400, 404] },
  'DELETE /api/v1/watches/{id}': {
    summary: 'Cancel a watch (an ended one is answered as it is)',
    path: watchPath,
    responses: ok(r.watch, 'the watch'),
    errors: [400, 404],
  },
  'POST /api/v1/webhooks': {
    summary: "Register a webhook for the consumer's events",
    description:
      'Events: session.status_changed, session.attempt_failed, session.refunded, session.retrying, session.expiring, ' +
      'budget.threshold, watch.matched. Each delivery is a POST of {id, type, consumer_id, session_id?, at, detail} ' +
      '(detail: the public session view or the alert), signed in GpuShopper-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, ' +
      't + "." + body)>. Dedupe on id: a delivery may arrive more than once. Non-2xx answers are retried with backoff ' +
      'for a day, then dead-lettered; redirects are not followed. The secret is in this answer only.',
    body: wh.createWebhookBody,
    responses: { 201: { description: 'registered', schema: wh.createdWebhookAnswer } },
    errors: [400, 403, 409, 413],
  },
  'GET /api/v1/webhooks': {
    summary: "List webhooks (a consumer key sees only its consumer's)",
    query: wh.listWebhooksQuery,
    responses: ok(wh.webhookList, 'webhooks, without secrets'),
    errors: [400, 403],
  },
  'GET /api/v1/webhooks/{id}': { summary: 'One webhook', path: wh.webhookPath, responses: ok(wh.webhookAnswer, 'the webhook'), errors: [404] },
  'DELETE /api/v1/webhooks/{id}': {
    summary: 'Remove a webhook: nothing more is delivered to it',
    path: wh.webhookPath,
    responses: ok(wh.webhookDeleted, 'removed'),
    errors: [404],
  },
  'GET /api/v1/webhooks/{id}/deliveries': {
    summary: "A webhook's deliveries, newest first: status, attempts, last status code, next attempt",
    path: wh.webhookPath,
    query: wh.deliveriesQuery,
    responses: ok(wh.deliveryList, 'deliveries'),
    errors: [400, 404],
  },
  'POST /api/v1/keys': {
    summary: 'Create an API key for a consumer, or an admin key (admin)',
    description: 'The answer carries the key; only its SHA-256 is stored, so it is never shown again.',
    body: createKeyBody,
    responses: { 201: { description: 'created', schema: r.createdKey } },
    errors: [400, 403, 413],
  },
  'GET /api/v1/keys': {
    summary: 'List API keys (admin)',
    query: listKeysQuery,
    responses: ok(r.keyList, 'keys, newest first, without secrets'),
    errors: [400, 403],
  },
  'DELETE /api/v1/keys/{id}': {
    summary: 'Revoke an API key (admin); it stops working within the authorizer cache TTL',
    path: keyPath,
    responses: ok(r.apiKey, 'the revoked key'),
    errors: [403, 404],
  },
  ...benchmarkDocs,
};

export const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid request (error_type validation_error, invalid_json, …; field names the part at fault)',
  401: 'no, a malformed, unknown or revoked API key',
  402: 'the consumer’s monthly budget would be exceeded (error_type budget_exceeded, with limit_usd, committed_usd, requested_usd)',
  403: 'the key may not do this (another consumer’s data, an admin action)',
  404: 'no such resource (also another consumer’s session)',
  409: 'conflict (duplicate_session with existing_session_id, idempotency_key_reused, …)',
  413: 'request body over 64 KB',
  429: 'throttled by API Gateway',
  503: 'stale_inventory (with offer_id; refresh and pick another offer) or briefly unavailable (retry_suggested)',
};
