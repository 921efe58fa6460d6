import * as z from 'zod';
import { QUANTIZATIONS } from '../../domain/disk-estimate.ts';
import { PROVIDERS } from '../../domain/offer.ts';
import { RETRY_SCOPES, SESSION_STATUSES, WORKLOAD_TYPES } from '../../domain/session.ts';
import { LAUNCH_MODES, type WorkloadRequest } from '../../domain/workload.ts';
import { identifier, queryInt } from './common.ts';

/** A Docker image reference: [registry[:port]/]path[:tag][@digest] — no spaces or shell characters. */
const dockerImage = z
  .string()
  .trim()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/, 'must be a Docker image reference, e.g. vllm/vllm-openai:latest');

/** A Hugging Face model id: `org/name` (or a bare name). */
const modelId = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/, 'must be a model id such as org/name');

const port = z.number().int().min(1).max(65_535).refine((p) => p !== 22, 'port 22 is reserved for SSH');

const idleStopMinutes = z.number().int().min(10).max(720);

/** What a session runs (image, template, model, disk, whether the broker starts its server): flat in a request. */
const workloadFields = {
  launch_mode: z.enum(LAUNCH_MODES).default('ssh'),
  docker_image: dockerImage.optional(),
  template_hash_id: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{8,64}$/, 'must be a Vast.ai template hash id')
    .optional(),
  model_id: modelId.optional(),
  quantization: z.string().trim().toLowerCase().pipe(z.enum(QUANTIZATIONS)).optional(),
  exposed_ports: z
    .array(port)
    .min(1)
    .max(8)
    .refine((ports) => new Set(ports).size === ports.length, 'ports must be distinct')
    .optional(),
  on_start_cmd: z.string().min(1).max(4000).optional(),
  disk_gb: z.number().int().min(8).max(4096).optional(),
  api_timeout_minutes: z.number().int().min(1).max(60).optional(),
};

/** A session request as clients send it: the workload's fields beside the session's (watches reuse it). */
export const sessionRequestFields = z.object({
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
  idle_stop_minutes: idleStopMinutes
    .nullable()
    .optional()
    .meta({
      description:
        "end the session once its GPUs were unused and nobody was logged in over SSH for this long; absent: the consumer's default (PUT /consumers/{consumer_id}/settings); null: never, whatever the default",
    }),
  // accepted for compatibility with existing clients; the broker always destroys instances at the end
  storage_policy: z.literal('destroy').optional(),
  ...workloadFields,
});

/** The flat request's workload fields, nested as the use cases take them (CreateSessionRequest, WatchSessionRequest). */
export function nestWorkload<T extends WorkloadRequest>(body: T) {
  const { launch_mode, docker_image, template_hash_id, model_id, quantization, exposed_ports, on_start_cmd, disk_gb, api_timeout_minutes, ...rest } =
    body;
  const workload: WorkloadRequest = {
    launch_mode,
    docker_image,
    template_hash_id,
    model_id,
    quantization,
    exposed_ports,
    on_start_cmd,
    disk_gb,
    api_timeout_minutes,
  };
  return { ...rest, workload };
}

/**
 * POST /sessions. Its output is the create use case's input but for what the route adds: the consumer (from the key
 * when omitted), the parsed public key and the Idempotency-Key header.
 */
export const createSessionBody = sessionRequestFields.transform(({ storage_policy: _alwaysDestroy, ...body }) => nestWorkload(body));

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

export const consumerSettingsPath = z.object({ consumer_id: identifier(128) });
export const consumerSettingsBody = z
  .object({
    idle_stop_minutes: idleStopMinutes
      .nullable()
      .meta({ description: 'the idle auto-stop window for sessions created without one; null removes the default' }),
  })
  .strict();
