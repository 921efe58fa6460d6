import * as z from 'zod';
import { PROVIDERS } from '../../domain/offer.ts';
import { MAX_WATCH_HOURS } from '../../domain/watch.ts';
import { nestWorkload, sessionRequestFields } from './sessions.ts';
import { identifier, queryInt } from './common.ts';

const text = (max: number) => z.string().trim().min(1).max(max);

const watchFilters = z.object({
  provider: z.enum(PROVIDERS).optional(),
  gpu_type: text(100).optional(),
  min_vram: z.number().min(0).max(10_000).optional(),
  min_gpu_count: z.number().int().min(1).max(1024).optional(),
  location: text(100).optional(),
  min_reliability: z.number().min(0).max(1).optional(),
  disk_gb: z.number().int().min(8).max(4096).optional(),
});

/**
 * The session a `create` watch makes: a session request without its offer, with the consumer's own public key; its
 * output is a WatchSessionRequest but for the parsed key. idle_stop_minutes is accepted and, as ever, not kept.
 */
const watchSessionBody = sessionRequestFields
  .omit({ consumer_id: true, offer_id: true, storage_policy: true })
  .extend({ ssh_public_key: z.string().max(16_384) })
  .transform(({ idle_stop_minutes: _notKept, ...session }) => nestWorkload(session));

export const createWatchBody = z
  .object({
    consumer_id: identifier(128).optional(),
    filters: watchFilters.default({}),
    max_price: z.number().gt(0).max(100_000),
    action: z.enum(['notify', 'create']).default('notify'),
    session: watchSessionBody.optional(),
    expires_in_hours: z.number().int().min(1).max(MAX_WATCH_HOURS).optional(),
  })
  .refine((b) => b.action !== 'create' || b.session !== undefined, {
    message: 'is required when action is create',
    path: ['session'],
  });

export const listWatchesQuery = z.object({ consumer_id: identifier(128).optional(), limit: queryInt(1, 500).default(50) });

export const watchPath = z.object({ id: z.string().regex(/^[0-9a-f-]{36}$/, 'is not a watch id') });
