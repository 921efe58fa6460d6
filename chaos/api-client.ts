// The chaos run's HTTP client: counts every answer by status, and holds requests while the runtime is being restarted
// (an idempotent request caught by the stop itself is sent again once the runtime is back, as a client would).
export type Json = Record<string, unknown>;

interface Answer<T = Json> {
  status: number;
  body: T;
}

interface ServerErrorRecord {
  at: string;
  method: string;
  path: string;
  status: number;
  error_type?: string;
  error?: string;
  /** answered while the runtime was being stopped on purpose (the local gateway's own 503 "stopping") */
  during_restart: boolean;
}

export class ChaosApi {
  baseUrl = '';
  readonly statusCounts: Record<string, number> = {};
  readonly serverErrors: ServerErrorRecord[] = [];
  /** requests whose connection broke (the runtime stopped under them) */
  networkErrors = 0;
  requests = 0;
  private gate: Promise<void> = Promise.resolve();
  private openGate: () => void = () => undefined;
  private restarting = false;

  /** Holds new requests until `resume`. */
  pause(): void {
    if (this.restarting) return;
    this.restarting = true;
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  resume(baseUrl: string): void {
    this.baseUrl = baseUrl;
    this.restarting = false;
    this.openGate();
  }

  /**
   * Sends a request; one whose connection breaks (the runtime stopped under it) is sent again once the runtime is back
   * when `resend` allows — every call but extend is idempotent here (creation carries an Idempotency-Key) — and
   * otherwise answers status 0.
   */
  async call<T = Json>(
    method: string,
    path: string,
    body?: unknown,
    { headers = {}, resend = true }: { headers?: Record<string, string>; resend?: boolean } = {},
  ): Promise<Answer<T>> {
    for (let tries = 0; ; tries++) {
      await this.gate;
      let res: Response;
      try {
        res = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
      } catch (err) {
        this.networkErrors += 1;
        if (!resend) return { status: 0, body: { error: (err as Error).message } as T };
        if (tries >= 20) throw err;
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      const text = await res.text();
      this.requests += 1;
      this.statusCounts[String(res.status)] = (this.statusCounts[String(res.status)] ?? 0) + 1;
      let parsed: unknown = {};
      try {
        parsed = text ? JSON.parse(text) : {};
      } catch {
        parsed = { unparsed: text.slice(0, 200) };
      }
      if (res.status >= 500) {
        const b = parsed as Json;
        const duringRestart = this.restarting && b['error_type'] === 'not_ready';
        this.serverErrors.push({
          at: new Date().toISOString(),
          method,
          path,
          status: res.status,
          error_type: typeof b['error_type'] === 'string' ? b['error_type'] : undefined,
          error: typeof b['error'] === 'string' ? b['error'].slice(0, 300) : undefined,
          during_restart: duringRestart,
        });
        // the gateway refused it while stopping: the request never reached a handler; send it again
        if (duringRestart && resend && tries < 20) continue;
      }
      return { status: res.status, body: parsed as T };
    }
  }
}
