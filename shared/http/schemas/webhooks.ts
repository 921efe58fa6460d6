// Webhook requests and answers (issue 18), as zod schemas the handlers validate with and the OpenAPI document shows.
import * as z from 'zod';
import { CONSUMER_EVENT_TYPES } from '../../ports/consumer-events.ts';
import { identifier, queryInt } from './common.ts';

export const WEBHOOK_ID = /^wh_[0-9a-f]{20}$/;

export const createWebhookBody = z.object({
  url: z
    .string()
    .trim()
    .max(2048)
    .refine((v) => URL.canParse(v), 'must be an absolute URL')
    .meta({ description: 'https (http only in the local runtime); never a private, loopback or link-local address deployed' }),
  events: z
    .array(z.enum(CONSUMER_EVENT_TYPES))
    .min(1)
    .max(CONSUMER_EVENT_TYPES.length)
    .refine((v) => new Set(v).size === v.length, 'must not repeat an event type'),
  consumer_id: identifier(128).optional().meta({ description: "filled from a consumer key; required with an admin key" }),
  description: z
    .string()
    .trim()
    .max(200)
    .regex(/^[\p{L}\p{N} ._:/@+()-]*$/u, 'may contain only letters, digits, spaces and . _ : / @ + ( ) -')
    .optional(),
});

export const listWebhooksQuery = z.object({ consumer_id: identifier(128).optional() });
export const webhookPath = z.object({ id: z.string().meta({ description: 'webhook id (wh_…); any other value answers 404' }) });
export const deliveriesQuery = z.object({ limit: queryInt(1, 100).optional() });

const time = z.iso.datetime();

export const webhookAnswer = z.looseObject({
  id: z.string(),
  consumer_id: z.string(),
  url: z.string(),
  events: z.array(z.enum(CONSUMER_EVENT_TYPES)),
  description: z.string().optional(),
  created_at: time,
});

export const createdWebhookAnswer = z.looseObject({
  webhook: webhookAnswer,
  secret: z.string().meta({
    description: 'The signing secret: shown only in this answer, stored encrypted. Deliveries carry ' +
      'GpuShopper-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>.',
  }),
  message: z.string(),
});

export const webhookList = z.looseObject({ webhooks: z.array(webhookAnswer), count: z.number().int() });
export const webhookDeleted = z.looseObject({ id: z.string(), deleted: z.literal(true) });

export const deliveryAnswer = z.looseObject({
  event_id: z.string(),
  event_type: z.enum(CONSUMER_EVENT_TYPES),
  event_at: time,
  session_id: z.string().optional(),
  status: z.enum(['pending', 'retrying', 'delivered', 'dead_lettered']),
  attempts: z.number().int(),
  first_attempt_at: time.optional(),
  last_attempt_at: time.optional(),
  last_status_code: z.number().int().optional(),
  last_error: z.string().optional(),
  next_attempt_at: time.optional(),
  delivered_at: time.optional(),
  dead_lettered_at: time.optional(),
});

export const deliveryList = z.looseObject({
  webhook_id: z.string(),
  deliveries: z.array(deliveryAnswer),
  count: z.number().int(),
});
