// What the API answers, as zod schemas: the OpenAPI document is generated from them and tests check real answers
// against them. Objects are loose (documented fields are promised, extra fields may appear) because existing clients
// ignore unknown fields and the API grows by adding them.
import * as z from 'zod';
import { PROVIDERS } from '../../domain/offer.ts';
import { RETRY_SCOPES, SESSION_STATUSES, WORKLOAD_TYPES } from '../../domain/session.ts';
import { LAUNCH_MODES } from '../../domain/workload.ts';

/**
 * The fields a loose answer promises, other fields allowed. `any` rather than zod's `unknown` index signature: that
 * is the one a plain interface (Session, Watch) is assignable to, as an answer with extra fields is.
 */
type Promised<T> = T extends readonly (infer E)[]
  ? Promised<E>[]
  : T extends object
    ? // biome-ignore lint/suspicious/noExplicitAny: the index signature interfaces are assignable to
      { [K in keyof T as string extends K ? never : K]: Promised<T[K]> } & { [key: string]: any }
    : T;

/** What a view must give to answer as `schema` says: `view(...) satisfies Answer<typeof schema>`. */
export type Answer<S extends z.ZodType> = Promised<z.output<S>>;

const time = z.iso.datetime();
const money = z.number();

// ── errors ───────────────────────────────────────────────────────────────────

export const errorBody = z
  .looseObject({
    error: z.string(),
    error_type: z.string(),
    request_id: z.string(),
    field: z.string().optional(),
  })
  .meta({ description: 'Every error the handlers answer; special cases add fields (offer_id, existing_session_id, …).' });

/** What API Gateway itself answers when the authorizer refuses a key (its body cannot be changed for HTTP APIs). */
export const gatewayUnauthorized = z
  .looseObject({ message: z.literal('Unauthorized') })
  .meta({ description: 'No, a malformed, unknown or revoked API key (answered by API Gateway).' });

// ── health ───────────────────────────────────────────────────────────────────

export const healthAnswer = z.looseObject({ status: z.literal('ok'), version: z.string(), timestamp: time });
export const readyAnswer = z.looseObject({ ready: z.literal(true), timestamp: time, checks: z.unknown() });
export const notReadyAnswer = z.looseObject({ ready: z.literal(false), message: z.string(), timestamp: time });

// ── inventory ────────────────────────────────────────────────────────────────

const priceBreakdown = z
  .looseObject({
    price_per_hour: money,
    gpu_per_hour: money,
    disk_per_hour: money,
    disk_gb: z.number().optional().meta({ description: 'the disk billed: the one asked for, raised to the provider minimum' }),
    basis: z.enum(['all_in', 'listed']).meta({ description: 'listed: an offer without pricing inputs, its listed price as is' }),
    inet_down_per_gb: money.optional(),
    inet_up_per_gb: money.optional(),
  })
  .meta({ description: 'What price_per_hour is made of; bandwidth rates are per GB and not in it.' });

export const offer = z
  .looseObject({
    id: z.string(),
    provider: z.enum(PROVIDERS),
    provider_offer_id: z.string(),
    gpu_type: z.string(),
    gpu_count: z.number().int(),
    vram_gb: z.number(),
    price_per_hour: money,
    location: z.string(),
    region: z.string(),
    reliability: z.number(),
    confidence: z.number(),
    availability: z.enum(['available', 'stale']),
    cuda_version: z.number().optional(),
    host_id: z.string().optional(),
    direct_port_count: z
      .number()
      .int()
      .optional()
      .meta({ description: 'Vast.ai: ports the host maps directly; a workload with exposed_ports needs at least that many' }),
    host_confidence: z
      .number()
      .optional()
      .meta({ description: 'present when the host failed verification (for anyone) in the last day: the multiplier its failures put on confidence' }),
    host_avoided: z.boolean().optional().meta({ description: 'the host failed often enough today that automatic retries avoid it' }),
    priced_for_disk_gb: z.number().optional().meta({ description: 'the disk price_per_hour is for (the query’s disk_gb or the default)' }),
    price_breakdown: priceBreakdown.optional(),
    base_price_per_hour: money.optional().meta({ description: 'USD/h without the disk' }),
    disk_price_per_gb_hour: money.optional().meta({ description: 'USD per GB of disk per hour (Vast: storage_cost ÷ 720)' }),
    listed_disk_gb: z.number().optional().meta({ description: 'the disk the provider’s listed price was for' }),
    min_disk_gb: z.number().optional().meta({ description: 'the provider creates and bills at least this disk' }),
    max_disk_gb: z.number().optional().meta({ description: 'the most disk the host can give' }),
    inet_down_price_per_gb: money.optional().meta({ description: 'USD per GB downloaded, billed apart (not in price_per_hour)' }),
    inet_up_price_per_gb: money.optional().meta({ description: 'USD per GB uploaded, billed apart (not in price_per_hour)' }),
    fetched_at: time,
  })
  .meta({
    description:
      'price_per_hour is all in for the disk named by priced_for_disk_gb: GPU (TensorDock: with its vCPUs and RAM) plus disk. Bandwidth is billed per GB on top.',
  });

export const inventoryAnswer = z.looseObject({
  offers: z.array(offer),
  count: z.number().int(),
  total: z.number().int(),
  priced_for_disk_gb: z.number().meta({ description: 'the disk every price_per_hour is for: disk_gb, or the default' }),
  providers: z.record(
    z.string(),
    z.looseObject({
      status: z.string(),
      fetched_at: time.optional(),
      offer_count: z.number().int(),
      error: z.string().optional(),
    }),
  ),
});

export const offerHealthAnswer = z.looseObject({
  offers: z.array(
    z.looseObject({
      offer_id: z.string(),
      provider: z.enum(PROVIDERS),
      gpu_type: z.string(),
      recent_failures: z.number().int(),
      is_suppressed: z.boolean(),
      confidence_multiplier: z.number(),
    }),
  ),
  gpu_types: z.array(
    z.looseObject({
      provider: z.enum(PROVIDERS),
      gpu_type: z.string(),
      failed_offers: z.number().int(),
      is_degraded: z.boolean(),
      confidence_multiplier: z.number(),
    }),
  ),
  hosts: z.array(
    z.looseObject({
      provider: z.enum(PROVIDERS),
      host_id: z.string(),
      failures: z.number().int(),
      failed_offers: z.number().int(),
      host_confidence: z.number(),
      avoided: z.boolean(),
      last_failure: time,
      last_failure_type: z.string(),
    }),
  ),
  count: z.number().int(),
});

// ── sessions ─────────────────────────────────────────────────────────────────

const attempt = z.looseObject({
  attempt: z.number().int(),
  offer_id: z.string(),
  provider: z.enum(PROVIDERS),
  gpu_type: z.string(),
  price_per_hour: money,
  outcome: z.enum(['in_progress', 'running', 'failed', 'ended']),
  started_at: time,
  instance_id: z.string().optional(),
  error_type: z.string().optional(),
  error: z.string().optional(),
});

export const session = z
  .looseObject({
    id: z.string(),
    consumer_id: z.string(),
    status: z.enum(SESSION_STATUSES),
    phase: z.string(),
    offer_id: z.string(),
    requested_offer_id: z.string(),
    provider: z.enum(PROVIDERS),
    gpu_type: z.string(),
    gpu_count: z.number().int(),
    vram_gb: z.number(),
    price_per_hour: money.meta({ description: 'all in: the GPU plus the disk the session is created with (bandwidth apart)' }),
    workload_type: z.enum(WORKLOAD_TYPES),
    reservation_hours: z.number(),
    storage_policy: z.literal('destroy'),
    launch_mode: z.enum(LAUNCH_MODES).meta({ description: 'entrypoint: the image runs its own server (api_endpoint once it answers)' }),
    created_at: time,
    expires_at: time,
    hard_max_at: time,
    stopped_at: time.optional(),
    ended_reason: z.string().optional(),
    ssh_host: z.string().optional(),
    ssh_port: z.number().int().optional(),
    ssh_user: z.string().optional(),
    host_key_fingerprint: z.string().optional(),
    error: z.string().optional(),
    error_type: z.string().optional(),
    retry_suggested: z.boolean().optional(),
    auto_retry: z.boolean(),
    max_retries: z.number().int(),
    retry_scope: z.enum(RETRY_SCOPES),
    retry_count: z.number().int(),
    failed_offers: z.array(z.string()),
    /** what the session holds against its consumer's month; once ended, what the ledger billed instead */
    budget_hold: z
      .looseObject({ month: z.string(), held_usd: money, settled_usd: money.optional(), settled_at: time.optional() })
      .optional(),
    attempts: z.array(attempt),
    verification: z.looseObject({ started_at: time, deadline_at: time, attempts: z.number().int() }).optional(),
    execution_arn: z.string().optional(),
  });

export const createSessionAnswer = z.looseObject({
  session,
  ssh_private_key: z.string().meta({ description: 'OpenSSH private key for the session; returned only here, once.' }),
  idempotent_replay: z.boolean().optional(),
});

export const sessionList = z.looseObject({
  sessions: z.array(session),
  count: z.number().int(),
  next_cursor: z.string().optional(),
});

export const sessionEvents = z.looseObject({
  session_id: z.string(),
  status: z.enum(SESSION_STATUSES),
  events: z.array(z.looseObject({ type: z.string(), at: time, attempt: z.number().int().optional() })),
  count: z.number().int(),
});

export const sessionDiagnostics = z.looseObject({
  session_id: z.string(),
  status: z.enum(SESSION_STATUSES),
  phase: z.string(),
  ssh_available: z.boolean(),
  uptime: z.string(),
  uptime_seconds: z.number().int(),
  time_to_expiry: z.string(),
  time_to_expiry_seconds: z.number().int(),
  attempts: z.number().int(),
});

export const endedSession = z.looseObject({ ...session.shape, message: z.string(), session_id: z.string() });
export const extendedSession = z.looseObject({ ...session.shape, message: z.string(), session_id: z.string(), new_expires_at: time });

// ── costs ────────────────────────────────────────────────────────────────────

export const sessionCosts = z.looseObject({
  session_id: z.string(),
  consumer_id: z.string(),
  total_cost: money,
  duration_hours: z.number(),
  refunded: money,
  refund_count: z.number().int(),
  currency: z.literal('USD'),
  breakdown: z.array(
    z.looseObject({
      attempt: z.number().int(),
      provider: z.string(),
      price_per_hour: money,
      started_at: time,
      ended_at: time.nullable(),
      billed_cost: money,
      duration_hours: z.number(),
      refunded: z.boolean(),
      gpu_per_hour: money.optional().meta({ description: 'the GPU part of price_per_hour (TensorDock: with vCPUs and RAM)' }),
      disk_per_hour: money.nullable().optional().meta({ description: 'the disk part; null on records from before prices were split' }),
      disk_gb: z.number().nullable().optional().meta({ description: 'the disk billed' }),
      gpu_cost: money.optional(),
      disk_cost: money.optional(),
      bandwidth: z
        .looseObject({
          inet_down_per_gb: money.nullable(),
          inet_up_per_gb: money.nullable(),
          estimated_cost: money.nullable().meta({ description: 'null: traffic is not metered, so only the rates are known' }),
        })
        .optional(),
    }),
  ),
  gpu_cost: money.optional().meta({ description: 'total_cost = gpu_cost + disk_cost' }),
  disk_cost: money.optional(),
  estimated_bandwidth_cost: money.nullable().optional().meta({ description: 'billed by the provider per GB, not metered: null' }),
});

export const costSummary = z.looseObject({
  consumer_id: z.string().optional(),
  total_cost: money,
  duration_hours: z.number(),
  hours_used: z.number(),
  session_count: z.number().int(),
  refunded_total: money,
  by_provider: z.record(z.string(), money),
  by_gpu_type: z.record(z.string(), money),
  period_start: time,
  period_end: time,
  currency: z.literal('USD'),
  /** the month's billed cost so far (the ledger) */
  spent_usd: money.optional(),
  /** reserved by sessions not yet settled, beyond what they have spent */
  held_usd: money.optional(),
  /** what the month has spent or may still spend: held + settled — what the budget counts */
  committed_usd: money.optional(),
  /** billed beyond what was held, at settlement (an instance that outlived its reservation) */
  overrun_usd: money.optional(),
  monthly_budget_usd: money.optional(),
  /** limit − committed: what a new session or extension may still hold */
  remaining_usd: money.optional(),
  /** limit − spent, kept for clients of the first version */
  budget_remaining_usd: money.optional(),
  on_exceeded: z.enum(['block', 'stop']).optional(),
});

export const costsAnswer = z.union([sessionCosts, costSummary]);

export const budget = z.looseObject({
  consumer_id: z.string(),
  monthly_limit_usd: money,
  on_exceeded: z.enum(['block', 'stop']),
  updated_at: time,
});
export const budgetDeleted = z.looseObject({ consumer_id: z.string(), deleted: z.literal(true) });

export const consumerSettings = z.looseObject({
  consumer_id: z.string(),
  idle_stop_minutes: z.number().int().optional(),
  updated_at: time.optional(),
});

// ── watches ──────────────────────────────────────────────────────────────────

export const watch = z.looseObject({
  id: z.string(),
  consumer_id: z.string(),
  filters: z.record(z.string(), z.unknown()),
  max_price: money,
  action: z.enum(['notify', 'create']),
  status: z.enum(['active', 'fired', 'expired', 'cancelled']),
  created_at: time,
  expires_at: time,
  fired_at: time.optional(),
  matched: z.looseObject({ offer_id: z.string(), provider: z.string(), gpu_type: z.string(), price_per_hour: money }).optional(),
  session_id: z.string().optional().meta({ description: 'the session a create watch made' }),
  last_error: z.looseObject({ error_type: z.string(), message: z.string(), at: time }).optional(),
  checks: z.number().int(),
});

export const watchList = z.looseObject({ watches: z.array(watch), count: z.number().int() });

// ── API keys ─────────────────────────────────────────────────────────────────

export const apiKey = z
  .looseObject({
    key_id: z.string(),
    prefix: z.string(),
    consumer_id: z.string().optional(),
    admin: z.boolean(),
    label: z.string().optional(),
    created_at: time,
    revoked_at: time.optional(),
  });

export const createdKey = z.looseObject({
  key: apiKey,
  api_key: z.string().meta({ description: 'The key itself: shown only in this answer, stored only as a SHA-256 hash.' }),
  message: z.string(),
});

export const keyList = z.looseObject({ keys: z.array(apiKey), count: z.number().int() });

export const templateSummary = z.looseObject({
  hash_id: z.string(),
  name: z.string(),
  image: z.string().optional(),
  recommended: z.boolean().optional(),
  recommended_disk_space: z.number().optional(),
  exposed_ports: z.array(z.number().int()),
  extra_filters: z.unknown(),
});
export const catalogInfo = z.looseObject({
  provider: z.literal('vastai'),
  status: z.string(),
  fetched_at: time.optional(),
  error: z.string().optional(),
});
export const templateList = z.looseObject({ templates: z.array(templateSummary), count: z.number().int(), catalog: catalogInfo });
export const templateDetail = z.looseObject({ ...templateSummary.shape, catalog: catalogInfo });
export const compatibleTemplates = z.looseObject({
  offer_id: z.string(),
  provider: z.string(),
  templates: z.array(templateSummary),
  count: z.number().int(),
  incompatible_count: z.number().int().optional(),
  note: z.string().optional(),
});

export const openApiDocument = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) });
