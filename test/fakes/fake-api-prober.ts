// HTTP health probes answered by a script: per URL, what a probe sees at a given (virtual) time.
import type { ApiProbeClass, ApiProber, ApiProbeResult } from '../../shared/ports/api-prober.ts';

export type ApiProbeScript = (url: string, now: Date) => ApiProbeClass | { class: ApiProbeClass; status: number };

export class FakeApiProber implements ApiProber {
  readonly probes: { url: string; class: ApiProbeClass }[] = [];
  constructor(
    public script: ApiProbeScript,
    private readonly now: () => Date,
  ) {}

  async probe(url: string): Promise<ApiProbeResult> {
    const answer = this.script(url, this.now());
    const result: ApiProbeResult =
      typeof answer === 'string'
        ? { class: answer, duration_ms: 3, ...(answer === 'ok' ? { status: 200 } : {}) }
        : { class: answer.class, status: answer.status, duration_ms: 3 };
    this.probes.push({ url, class: result.class });
    return result;
  }
}
