// The HTTP layer shared by the provider adapters: pacing, per-request timeouts, 429 backoff, retries of
// idempotent requests, and one classification of failures into the typed provider errors. Credentials travel
// only in the Authorization header and are scrubbed from every message this module produces.
import type { ErrorDetails } from '../../domain/errors.ts';
import type { ProviderName } from '../../domain/offer.ts';
import {
  InstanceNotFoundError,
  InvalidProviderRequestError,
  ProviderAuthError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
} from '../../domain/provider-errors.ts';
import { logger } from '../../observability/powertools.ts';
import { redactSecrets } from '../../observability/redact.ts';
import {
  acquireTurn,
  type BackoffOptions,
  backoffDelayMs,
  penalizeTurn,
  type RequestLimiter,
  type Sleep,
  sleep,
} from './rate-limiter.ts';

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ProviderRequest {
  method: HttpMethod;
  /** appended to the base URL; an absolute http(s) URL is used as is */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** a short name for messages and logs, e.g. "create instance" */
  operation: string;
  timeoutMs: number;
  /**
   * Safe to send again after a 5xx, network failure or timeout. A create is not: the provider may have acted
   * on it, and the state machine finds the instance by its label instead.
   */
  idempotent: boolean;
  signal?: AbortSignal;
  /** a place the shared pacing kept for this request earlier (a queued create): taken on the first try only */
  pacedSlotAt?: number;
}

export interface ProviderResponse {
  status: number;
  text: string;
  /** the parsed body, or undefined when it is not JSON */
  json: unknown;
}

export interface ProviderHttpOptions {
  provider: ProviderName;
  baseUrl: string;
  credential: string;
  limiter: RequestLimiter;
  /** backoff on 429 (no provider sends Retry-After we could rely on) */
  rateLimitBackoff?: BackoffOptions;
  /** backoff before repeating an idempotent request after a 5xx, network failure or timeout */
  transientBackoff?: BackoffOptions;
  sleep?: Sleep;
  random?: () => number;
  fetch?: typeof fetch;
}

const DEFAULT_RATE_LIMIT_BACKOFF: BackoffOptions = { retries: 4, baseMs: 1000, maxMs: 16_000 };
const DEFAULT_TRANSIENT_BACKOFF: BackoffOptions = { retries: 2, baseMs: 300, maxMs: 3000 };
const MAX_SNIPPET = 300;
const SECRET_FIELD = /("[A-Za-z_]*(?:api_key|apikey|token|secret|password)[A-Za-z_]*"\s*:\s*)"[^"]*"/gi;

export class ProviderHttp {
  readonly provider: ProviderName;
  readonly baseUrl: string;
  private readonly credential: string;
  private readonly rateLimitBackoff: BackoffOptions;
  private readonly transientBackoff: BackoffOptions;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ProviderHttpOptions) {
    this.provider = options.provider;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.credential = options.credential;
    this.rateLimitBackoff = options.rateLimitBackoff ?? DEFAULT_RATE_LIMIT_BACKOFF;
    this.transientBackoff = options.transientBackoff ?? DEFAULT_TRANSIENT_BACKOFF;
    this.sleep = options.sleep ?? sleep;
    this.random = options.random ?? Math.random;
    this.fetch = options.fetch ?? fetch;
  }

  /**
   * Sends the request. 429s are retried with backoff, and so are 5xx/network failures of idempotent requests;
   * what remains of those is thrown as ProviderRateLimitedError / ProviderUnavailableError. Every other status,
   * 2xx or 4xx, is returned for the adapter to interpret.
   */
  async send(request: ProviderRequest): Promise<ProviderResponse> {
    let rateLimited = 0;
    let transient = 0;
    for (;;) {
      const first = rateLimited === 0 && transient === 0;
      await acquireTurn(this.options.limiter, request.operation, request.signal, first ? request.pacedSlotAt : undefined);
      let response: ProviderResponse;
      try {
        response = await this.once(request);
      } catch (err) {
        const failure = this.networkError(request, err);
        if (request.idempotent && !request.signal?.aborted && transient < this.transientBackoff.retries) {
          await this.pause(request, failure, backoffDelayMs(transient++, this.transientBackoff, this.random));
          continue;
        }
        throw failure;
      }
      if (response.status === 429) {
        // the shared pacing closes the endpoint for the provider's penalty: the next turn is the backoff
        const penalized = await penalizeTurn(this.options.limiter, request.operation);
        if (rateLimited < this.rateLimitBackoff.retries) {
          const delayMs = backoffDelayMs(rateLimited++, this.rateLimitBackoff, this.random);
          await this.pause(request, 'HTTP 429', penalized ? 0 : delayMs);
          continue;
        }
        throw this.errorFor(request.operation, response);
      }
      if (response.status >= 500) {
        if (request.idempotent && transient < this.transientBackoff.retries) {
          await this.pause(
            request,
            `HTTP ${response.status}`,
            backoffDelayMs(transient++, this.transientBackoff, this.random),
          );
          continue;
        }
        throw this.errorFor(request.operation, response);
      }
      return response;
    }
  }

  /** The typed error for an answer the adapter did not accept. */
  errorFor(operation: string, response: ProviderResponse, extra: ErrorDetails = {}): Error {
    const message = `${this.provider} ${operation}: HTTP ${response.status}: ${this.snippet(response.text)}`;
    const details: ErrorDetails = { provider: this.provider, operation, http_status: response.status, ...extra };
    const { status } = response;
    if (status === 429) return new ProviderRateLimitedError(message, details);
    if (status >= 500) return new ProviderUnavailableError(message, details);
    if (status === 401 || status === 403) return new ProviderAuthError(message, details);
    if (status === 404) return new InstanceNotFoundError(message, details);
    return new InvalidProviderRequestError(message, details);
  }

  /** A bounded, single-line, credential-free excerpt of a provider's text (bodies can be HTML pages). */
  snippet(text: string): string {
    let plain = /^\s*</.test(text)
      ? text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ')
      : text;
    plain = this.scrub(plain).replace(/\s+/g, ' ').trim();
    if (plain === '') return '(empty body)';
    return plain.length > MAX_SNIPPET ? `${plain.slice(0, MAX_SNIPPET)}…` : plain;
  }

  /** Removes our credential (a provider may echo it back) and anything else that looks like one. */
  scrub(text: string): string {
    const withoutKey = this.credential.length >= 4 ? text.split(this.credential).join('[REDACTED]') : text;
    // e.g. Vast's `instance_api_key` in a create answer
    return redactSecrets(withoutKey).replace(SECRET_FIELD, '$1"[REDACTED]"');
  }

  private async once(request: ProviderRequest): Promise<ProviderResponse> {
    const url = this.url(request);
    const signals = [AbortSignal.timeout(request.timeoutMs)];
    if (request.signal) signals.push(request.signal);
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${this.credential}`,
    };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.fetch(url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.any(signals),
    });
    const text = await res.text();
    return { status: res.status, text, json: parseJson(text) };
  }

  private url(request: ProviderRequest): string {
    const url = new URL(/^https?:\/\//.test(request.path) ? request.path : `${this.baseUrl}${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  private networkError(request: ProviderRequest, err: unknown): ProviderUnavailableError {
    const error = err as { name?: string; code?: string; cause?: { code?: string } };
    const timedOut = error.name === 'TimeoutError';
    const aborted = !timedOut && error.name === 'AbortError';
    const code = error.cause?.code ?? error.code;
    const reason = timedOut
      ? `timed out after ${request.timeoutMs} ms`
      : aborted
        ? 'aborted'
        : `network error${code ? ` (${code})` : ''}`;
    return new ProviderUnavailableError(`${this.provider} ${request.operation}: ${reason}`, {
      provider: this.provider,
      operation: request.operation,
      ...(timedOut ? { timeout_ms: request.timeoutMs } : {}),
      ...(code ? { network_error: code } : {}),
    });
  }

  private async pause(request: ProviderRequest, why: Error | string, delayMs: number): Promise<void> {
    logger.warn('provider request will be retried', {
      provider: this.provider,
      operation: request.operation,
      reason: typeof why === 'string' ? why : why.message,
      delay_ms: Math.round(delayMs),
    });
    await this.sleep(delayMs, request.signal);
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Recursively trims strings: Vast.ai values can carry trailing whitespace and newlines. */
export function deepTrim<T>(value: T): T {
  if (typeof value === 'string') return value.trim() as T;
  if (Array.isArray(value)) return value.map(deepTrim) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepTrim(v)])) as T;
  }
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
