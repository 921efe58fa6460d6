// Health probes of an entrypoint workload's server: one GET with a deadline, classified. Redirects are not followed
// (a redirect is not a health answer) and the body is discarded unread.
import type { ApiProbeClass, ApiProbeResult, ApiProber } from '../../ports/api-prober.ts';

const BY_CODE: Record<string, ApiProbeClass> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
};

export class FetchApiProber implements ApiProber {
  constructor(private readonly fetchImpl: typeof fetch = fetch) {}

  async probe(url: string, options: { timeoutMs: number }): Promise<ApiProbeResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const res = await this.fetchImpl(url, {
        method: 'GET',
        redirect: 'manual',
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await res.body?.cancel().catch(() => undefined);
      const ok = res.status >= 200 && res.status < 300;
      return { class: ok ? 'ok' : 'http_error', status: res.status, duration_ms: elapsed() };
    } catch (err) {
      const { cls, detail } = classify(err);
      return { class: cls, duration_ms: elapsed(), ...(detail ? { detail } : {}) };
    }
  }
}

function classify(err: unknown): { cls: ApiProbeClass; detail?: string } {
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { cls: 'timeout', detail: 'no answer before the probe deadline' };
  const code = e?.cause?.code ?? e?.code;
  if (code && BY_CODE[code]) return { cls: BY_CODE[code], detail: code };
  if (e?.cause?.name === 'ConnectTimeoutError') return { cls: 'timeout', detail: 'connect timeout' };
  return { cls: 'unreachable', detail: code ?? e?.name ?? 'request failed' };
}
