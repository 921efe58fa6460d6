// Health probes of an entrypoint workload's HTTP server, classified.

export type ApiProbeClass = 'ok' | 'http_error' | 'refused' | 'timeout' | 'reset' | 'unreachable' | 'dns';

export interface ApiProbeResult {
  class: ApiProbeClass;
  /** the HTTP status, when the server answered */
  status?: number;
  duration_ms: number;
  /** short, secret-free description (error code) */
  detail?: string;
}

export interface ApiProber {
  /** GET the URL; a 2xx answer is `ok`, any other answer `http_error`, no answer one of the transport classes. */
  probe(url: string, options: { timeoutMs: number }): Promise<ApiProbeResult>;
}
