// SSH verification probes, classified. A handshake that closes early is not an auth failure.

export type ProbeClass =
  | 'ok'
  | 'refused'
  | 'timeout'
  | 'no_banner'
  | 'handshake_closed'
  | 'auth_rejected'
  | 'command_failed'
  | 'unreachable'
  | 'dns';

/** how far a probe got: TCP connect, SSH banner, key login + `echo ok` */
export type ProbeStage = 'tcp' | 'banner' | 'login';

export interface ProbeTarget {
  host: string;
  port: number;
  user: string;
}

export interface ProbeResult {
  class: ProbeClass;
  stage: ProbeStage;
  duration_ms: number;
  /** SHA256:… of the host key, once the handshake got that far */
  host_key_fingerprint?: string;
  /** short, secret-free description (error code, exit status) */
  detail?: string;
}

export interface SshProber {
  /** TCP connect; then the server's banner; then (unless bannerOnly) key login running `echo ok`. */
  probe(target: ProbeTarget, privateKey: string, options: { timeoutMs: number; bannerOnly?: boolean }): Promise<ProbeResult>;
}

export interface SshKeyPair {
  /** unencrypted OpenSSH private key */
  private_key: string;
  /** `ssh-ed25519 AAAA… comment` */
  public_key: string;
  /** SHA256:… of the public key */
  fingerprint: string;
}
