// Registering, reading and removing a consumer's webhooks. The signing secret is made here, encrypted under the
// webhook's id, and returned this once; the URL is checked as far as it can be without resolving it (the sender
// resolves and checks every address at each delivery).
import type { Answer } from '../../http/schemas/responses.ts';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { addressAllowed, classifyAddress } from '../../domain/address-class.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { Caller } from '../../http/request.ts';
import { type deliveryAnswer, WEBHOOK_ID, type webhookAnswer } from '../../http/schemas/webhooks.ts';
import { sanitizeEcho } from '../../observability/redact.ts';
import { callerMaySee } from '../sessions/read-sessions.ts';
import type { ConsumerEventType } from '../../ports/consumer-events.ts';
import type { SecretCipher } from '../../ports/secret-cipher.ts';
import type { Delivery, DeliveryLog, Webhook, WebhookStore } from '../../ports/webhooks.ts';

const MAX_WEBHOOKS_PER_CONSUMER = 10;

export interface WebhookDeps {
  webhooks: WebhookStore;
  deliveries: DeliveryLog;
  cipher: SecretCipher;
  clock: () => Date;
  /** deployed: false (https only, public hosts only); the local runtime allows http and loopback */
  local: boolean;
  newId?: () => string;
  newSecret?: () => string;
}

const newWebhookId = () => `wh_${randomBytes(10).toString('hex')}`;
const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

export const secretContext = (webhookId: string) => ({ webhook_id: webhookId });

export function webhookView(w: Webhook) {
  return {
    id: w.id,
    consumer_id: w.consumer_id,
    url: w.url,
    events: w.events,
    ...(w.description ? { description: w.description } : {}),
    created_at: w.created_at,
  } satisfies Answer<typeof webhookAnswer>;
}

export function deliveryView(d: Delivery) {
  const { webhook_id: _w, ...rest } = d;
  return rest satisfies Answer<typeof deliveryAnswer>;
}

/** The URL rules a registration can check: scheme, no credentials, no forbidden address literal or local name. */
function checkWebhookUrl(raw: string, local: boolean): URL {
  const url = new URL(raw);
  const refuse = (why: string) => {
    throw new ValidationError(`url: ${why}`, { field: 'url' });
  };
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) refuse(local ? 'must be http or https' : 'must be https');
  if (url.username || url.password) refuse('must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const opts = { allowLoopback: local };
  if (isIP(host) && !addressAllowed(classifyAddress(host), opts)) refuse('must not be a private, loopback or link-local address');
  if (!isIP(host) && !local && (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || !host.includes('.'))) {
    refuse('must be a public host name');
  }
  return url;
}

export async function registerWebhook(
  deps: WebhookDeps,
  req: { consumer_id: string; url: string; events: ConsumerEventType[]; description?: string },
): Promise<{ webhook: ReturnType<typeof webhookView>; secret: string }> {
  const url = checkWebhookUrl(req.url, deps.local);
  const existing = await deps.webhooks.list(req.consumer_id);
  if (existing.length >= MAX_WEBHOOKS_PER_CONSUMER) {
    throw new ConflictError(`a consumer may register at most ${MAX_WEBHOOKS_PER_CONSUMER} webhooks`, { limit: MAX_WEBHOOKS_PER_CONSUMER }, 'webhook_limit');
  }
  const id = (deps.newId ?? newWebhookId)();
  const secret = (deps.newSecret ?? newWebhookSecret)();
  const webhook: Webhook = {
    id,
    consumer_id: req.consumer_id,
    url: url.toString(),
    events: req.events,
    ...(req.description ? { description: req.description } : {}),
    secret_ciphertext: await deps.cipher.encrypt(secret, secretContext(id)),
    created_at: deps.clock().toISOString(),
  };
  await deps.webhooks.create(webhook);
  return { webhook: webhookView(webhook), secret };
}

/** A consumer's key sees only its own consumer's webhooks (others answer 404, as if absent); admins see all. */
export async function webhookForCaller(deps: Pick<WebhookDeps, 'webhooks'>, id: string, caller: Caller): Promise<Webhook> {
  const webhook = WEBHOOK_ID.test(id) ? await deps.webhooks.get(id) : undefined;
  if (!webhook || !callerMaySee(caller, webhook.consumer_id)) {
    const shown = sanitizeEcho(id, 64);
    throw new NotFoundError(`webhook ${shown} not found`, { webhook_id: shown });
  }
  return webhook;
}
