// SSH probes answered by a script: per endpoint port, what a probe sees at a given (virtual) time.
import type { ProbeClass, ProbeResult, ProbeTarget, SshProber } from '../../shared/ports/ssh-prober.ts';

export type ProbeScript = (target: ProbeTarget, now: Date, bannerOnly: boolean) => ProbeClass;

export class FakeProber implements SshProber {
  readonly probes: { target: ProbeTarget; bannerOnly: boolean; class: ProbeClass; key: string }[] = [];
  constructor(
    public script: ProbeScript,
    private readonly now: () => Date,
  ) {}

  async probe(target: ProbeTarget, privateKey: string, options: { timeoutMs: number; bannerOnly?: boolean }): Promise<ProbeResult> {
    const bannerOnly = options.bannerOnly ?? false;
    let cls = this.script(target, this.now(), bannerOnly);
    if (bannerOnly && (cls === 'auth_rejected' || cls === 'command_failed')) cls = 'ok';
    this.probes.push({ target, bannerOnly, class: cls, key: privateKey });
    return {
      class: cls,
      stage: cls === 'refused' || cls === 'timeout' ? 'tcp' : bannerOnly || cls === 'no_banner' ? 'banner' : 'login',
      duration_ms: 2,
      ...(cls === 'ok' && !bannerOnly ? { host_key_fingerprint: 'SHA256:fakehostkey' } : {}),
    };
  }
}
