import { z } from 'zod';
import { PROVIDERS } from '../../domain/offer.ts';
import { RETRY_SCOPES, SESSION_STATUSES, WORKLOAD_TYPES } from '../../domain/session.ts';
import { identifier, queryInt } from './common.ts';

export const createSessionBody = z.object({
  consumer_id: identifier(128)
    .optional()
    .meta({ description: "required without an API key or with an admin key; a consumer key's own consumer when omitted" }),
  offer_id: z.string().trim().min(1).max(200),
  workload_type: z.enum(WORKLOAD_TYPES),
  reservation_hours: z.number().int().min(1).max(12),
  auto_retry: z.boolean().default(true),
  max_retries: z.number().int().min(0).max(5).default(3),
  retry_scope: z.enum(RETRY_SCOPES).default('same_gpu'),
  ssh_public_key: z.string().max(16_384).optional(),
  ssh_timeout_minutes: z.number().int().min(1).max(30).optional(),
  // accepted for compatibility with existing clients; the broker always destroys instances at the end
  storage_policy: z.literal('destroy').optional(),
});

export type CreateSessionBody = z.output<typeof createSessionBody>;

export const listSessionsQuery = z.object({
  consumer_id: identifier(128).optional(),
  status: z.enum(SESSION_STATUSES).optional(),
  provider: z.enum(PROVIDERS).optional(),
  limit: queryInt(1, 500).default(50),
  cursor: z.string().max(2048).optional(),
});

/** Session ids are UUIDs; anything else cannot name a session (and answers 404, like any unknown id). */
export const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const idempotencyKeyHeader = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'Idempotency-Key may contain only letters, digits and . _ : - (1–128)');

export const extendSessionBody = z.object({
  additional_hours: z.number().int().min(1).max(12),
});
