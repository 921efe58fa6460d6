import type { ProbeTarget } from './ssh-prober.ts';

export interface CommandOutput {
  code: number | null;
  stdout: string;
}

/** Runs one command on a session's instance with the broker's key (the idle check). */
export interface SshCommandRunner {
  /**
   * Rejects when the host cannot be reached, the key is refused, the host key is not `hostKeyFingerprint` (when
   * given: the host that was verified) or the command outlives `timeoutMs`.
   */
  run(
    target: ProbeTarget,
    privateKey: string,
    command: string,
    options: { timeoutMs: number; hostKeyFingerprint?: string },
  ): Promise<CommandOutput>;
}
