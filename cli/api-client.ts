// The CLI's one way to the broker: JSON over HTTP with an optional API key. Every failure becomes a CliError (or its
// ApiError subclass, which keeps the API's error_type and request id) so the entry point can print one line.

export class CliError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A JSON error answer of the API: `{error, error_type, request_id, …}`. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    errorType: string,
    message: string,
    readonly requestId: string | undefined,
  ) {
    super(errorType, message);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

interface ApiClientOptions {
  baseUrl: string;
  apiKey?: string;
  userAgent: string;
  /** per request */
  timeoutMs?: number;
}

export class ApiClient {
  private readonly base: URL;

  constructor(private readonly opts: ApiClientOptions) {
    this.base = parseServerUrl(opts.baseUrl);
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  put<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path, {});
  }

  async request<T>(method: string, path: string, init: { query?: Query; body?: unknown }): Promise<T> {
    // relative to the base, so a stage path in --server (https://…/prod/) is kept
    const url = new URL(path.replace(/^\/+/, ''), this.base);
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.opts.userAgent };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (this.opts.apiKey) headers['authorization'] = `Bearer ${this.opts.apiKey}`;

    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw connectionError(err, this.base.origin);
    }
    const text = await res.text();
    const parsed = parseJson(text);
    if (!res.ok) throw apiError(res, parsed, text);
    if (parsed === undefined && text.trim() !== '') {
      throw new CliError('invalid_response', `${method} ${url.pathname} answered ${res.status} with a body that is not JSON`);
    }
    return (parsed ?? {}) as T;
  }
}

function parseServerUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError('invalid_argument', `server URL "${raw}" is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError('invalid_argument', `server URL "${raw}" must be http:// or https://`);
  }
  // a stage path (…/prod) is kept as the base of every route
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What API Gateway itself answers (authorizer refusals, throttling) carries only `{message}`. */
const GATEWAY_ERROR_TYPES: Record<number, string> = { 401: 'unauthorized', 403: 'forbidden', 429: 'too_many_requests' };

function apiError(res: Response, parsed: unknown, text: string): ApiError {
  const body = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  const errorType =
    typeof body['error_type'] === 'string' ? body['error_type'] : (GATEWAY_ERROR_TYPES[res.status] ?? `http_${res.status}`);
  let message =
    typeof body['error'] === 'string'
      ? body['error']
      : typeof body['message'] === 'string'
        ? body['message']
        : `${res.status} ${res.statusText}${text.trim() && !parsed ? `: ${text.trim().slice(0, 200)}` : ''}`;
  if (res.status === 401 && body['error_type'] === undefined) {
    message += ' (no API key, or one that is unknown or revoked: --api-key or GPU_SHOPPER_API_KEY)';
  }
  const requestId =
    typeof body['request_id'] === 'string'
      ? body['request_id']
      : (res.headers.get('x-request-id') ?? res.headers.get('apigw-requestid') ?? undefined);
  return new ApiError(res.status, errorType, message, requestId);
}

function connectionError(err: unknown, origin: string): CliError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new CliError('timeout', `${origin} did not answer in time`);
  }
  const reason = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
  return new CliError('connection_failed', `cannot reach ${origin} (${reason}); is the server running? (--server, GPU_SHOPPER_URL)`);
}
