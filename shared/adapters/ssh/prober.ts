// One SSH verification probe over one TCP connection: connect, read the server's identification line, then (unless
// bannerOnly) hand the same socket to ssh2 — with the bytes already read put back — for key login and `echo ok`.
// Cheap failures (refused, no banner) therefore cost no SSH handshake, and a full probe costs one connection.
import net from 'node:net';
import ssh2, { type ClientChannel } from 'ssh2';
import { redactSecrets, sanitizeEcho } from '../../observability/redact.ts';
import type { ProbeClass, ProbeResult, ProbeStage, ProbeTarget, SshProber } from '../../ports/ssh-prober.ts';
import { hostKeyFingerprint } from './keys.ts';

// ssh2 is CommonJS: under Node's own ESM loader only its default export carries every member
const { Client, utils } = ssh2;

/** RFC 4253 §4.2 lets a server send other lines before its `SSH-` line; a talker that sends this much is not SSH. */
const MAX_PRE_BANNER_BYTES = 16 * 1024;
/** After a successful probe, how long a polite disconnect may take before the socket is destroyed. */
const CLOSE_GRACE_MS = 250;
const MAX_OUTPUT_BYTES = 1024;
const PROBE_COMMAND = 'echo ok';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
const CLOSED_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);
/** RFC 4253 §11.1 SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE: the server's own verdict on our credentials */
const DISCONNECT_NO_MORE_AUTH_METHODS = 14;

interface ProbeErrorContext {
  stage: ProbeStage;
  /** key login succeeded; a failure now is about the command, not the handshake */
  authenticated?: boolean;
}

/**
 * error → ProbeClass. Only a genuine authentication verdict ("All configured authentication methods failed", or
 * the server's "no more auth methods" disconnect) is `auth_rejected`; a connection that closes or resets before
 * login completes — e.g. a provider's SSH proxy whose container is still loading — is `handshake_closed`.
 */
export function classifyProbeError(err: unknown, context: ProbeErrorContext): ProbeClass {
  const e = (err ?? {}) as { code?: unknown; level?: unknown; errors?: unknown };
  const codes = new Set<unknown>([e.code]);
  // Node's happy-eyeballs connect reports several failed attempts as one AggregateError
  if (Array.isArray(e.errors)) for (const inner of e.errors) codes.add((inner as { code?: unknown } | null)?.code);
  const has = (set: Set<string>) => [...codes].some((code) => typeof code === 'string' && set.has(code));

  if (e.level === 'client-authentication' || e.code === DISCONNECT_NO_MORE_AUTH_METHODS) return 'auth_rejected';
  if (e.level === 'client-dns' || has(DNS_CODES)) return 'dns';
  if (codes.has('ECONNREFUSED')) return 'refused';
  if (has(UNREACHABLE_CODES)) return 'unreachable';
  if (e.level === 'client-timeout' || has(TIMEOUT_CODES)) return 'timeout';
  if (context.authenticated) return 'command_failed';
  // the peer accepted the connection and then dropped it
  if (has(CLOSED_CODES)) return 'handshake_closed';
  // any other failure to open a TCP connection (EADDRNOTAVAIL, EACCES…): the network did not get us there
  if (context.stage === 'tcp') return 'unreachable';
  return 'handshake_closed';
}

/** A short, secret-free description of an error: level, code and a bounded message. */
export function describeProbeError(err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; level?: unknown; message?: unknown };
  const parts = [e.level, e.code].filter((part) => typeof part === 'string' || typeof part === 'number');
  const message = typeof e.message === 'string' ? sanitizeEcho(redactSecrets(e.message), 120) : '';
  return [parts.join(' '), message].filter(Boolean).join(': ') || 'unknown error';
}

/** The identification line (`SSH-2.0-…`) once a complete one has arrived, else undefined. */
export function findBanner(bytes: Buffer): string | undefined {
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(0x0a, start);
    if (end < 0) return undefined;
    const line = bytes.subarray(start, end).toString('latin1').replace(/\r$/, '');
    if (line.startsWith('SSH-')) return line;
    start = end + 1;
  }
}

export class Ssh2Prober implements SshProber {
  async probe(target: ProbeTarget, privateKey: string, options: { timeoutMs: number; bannerOnly?: boolean }): Promise<ProbeResult> {
    assertTarget(target);
    if (!options.bannerOnly) assertUsablePrivateKey(privateKey);
    return new Promise((resolve, reject) => new ProbeRun(target, privateKey, options, resolve, reject).start());
  }
}

function assertTarget(target: ProbeTarget): void {
  if (!target.host || !Number.isInteger(target.port) || target.port < 1 || target.port > 65535 || !target.user) {
    throw new TypeError(`SSH probe: invalid target ${sanitizeEcho(`${target.user}@${target.host}:${target.port}`, 80)}`);
  }
}

function assertUsablePrivateKey(privateKey: string): void {
  const parsed = utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  // a bug on our side, not a property of the host: fail loudly, and never with the key in the message
  if (!key || key instanceof Error || !key.isPrivateKey()) {
    throw new TypeError('SSH probe: the private key is not an unencrypted private key ssh2 can use');
  }
}

class ProbeRun {
  private readonly started = performance.now();
  private stage: ProbeStage = 'tcp';
  private authenticated = false;
  private fingerprint: string | undefined;
  private banner: string | undefined;
  private preBanner = Buffer.alloc(0);
  private settled = false;
  private socketClosed = false;
  private socket!: net.Socket;
  private client: ssh2.Client | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: ProbeTarget,
    private readonly privateKey: string,
    private readonly options: { timeoutMs: number; bannerOnly?: boolean },
    private readonly resolve: (result: ProbeResult) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  start(): void {
    // one deadline for the whole probe, so a probe always settles within timeoutMs (plus teardown)
    this.timer = setTimeout(() => this.onDeadline(), this.options.timeoutMs);
    const socket = net.connect({ host: this.target.host, port: this.target.port });
    this.socket = socket;
    socket.on('connect', () => {
      socket.setNoDelay(true);
      this.stage = 'banner';
    });
    socket.on('data', this.onBannerData);
    socket.on('error', (err) => {
      // from the login stage on, ssh2 owns the socket and reports its errors through the client
      if (this.stage === 'login') return;
      const cls = classifyProbeError(err, { stage: this.stage });
      // a reset that lands before 'connect' is processed still means the peer accepted the connection
      if (cls === 'handshake_closed') this.stage = 'banner';
      this.finish(cls, describeProbeError(err));
    });
    socket.on('close', () => {
      this.socketClosed = true;
      if (this.stage === 'banner') {
        const seen = this.preBanner.length;
        this.finish('handshake_closed', seen ? `closed after ${seen} bytes that were not an SSH banner` : 'closed before the SSH banner');
      }
    });
  }

  private readonly onBannerData = (chunk: Buffer): void => {
    this.preBanner = Buffer.concat([this.preBanner, chunk]);
    const banner = findBanner(this.preBanner);
    if (banner === undefined) {
      if (this.preBanner.length > MAX_PRE_BANNER_BYTES) this.finish('no_banner', 'peer sends data that is not SSH');
      return;
    }
    this.banner = sanitizeEcho(banner, 80);
    this.socket.off('data', this.onBannerData);
    this.socket.pause();
    if (this.options.bannerOnly) {
      this.finish('ok', this.banner, true);
      return;
    }
    this.login();
  };

  private login(): void {
    this.stage = 'login';
    // put the bytes back: ssh2 parses the server's identification (and whatever followed it) itself
    this.socket.unshift(this.preBanner);
    const client = new Client();
    this.client = client;
    client.on('error', (err) => {
      this.finish(classifyProbeError(err, { stage: 'login', authenticated: this.authenticated }), describeProbeError(err));
    });
    client.on('close', () => {
      this.finish(
        this.authenticated ? 'command_failed' : 'handshake_closed',
        this.authenticated ? 'connection closed before the command finished' : 'connection closed during the SSH handshake',
      );
    });
    client.on('ready', () => {
      this.authenticated = true;
      client.exec(PROBE_COMMAND, (err, channel) => {
        if (err) this.finish('command_failed', `command could not start: ${describeProbeError(err)}`);
        else this.collect(channel);
      });
    });
    try {
      this.connectClient(client);
    } catch (err) {
      // a configuration the SSH client refuses is our bug, not the host's: no class for it, and no key in it
      this.settled = true;
      clearTimeout(this.timer);
      const failure = new Error(`SSH probe could not start the SSH client: ${describeProbeError(err)}`);
      void this.teardown(false).then(() => this.reject(failure));
    }
  }

  private connectClient(client: ssh2.Client): void {
    client.connect({
      sock: this.socket,
      username: this.target.user,
      privateKey: this.privateKey,
      // our own deadline covers the handshake; ssh2's would race it with a different class
      readyTimeout: 0,
      keepaliveInterval: 0,
      // the probe proves that this key logs in, so no other method (`none`, keyboard-interactive) may stand in
      authHandler: ['publickey'],
      // marketplace hosts are new machines with unknown host keys: accept, and record the fingerprint
      hostVerifier: (key: Buffer) => {
        this.fingerprint = hostKeyFingerprint(key);
        return true;
      },
    });
  }

  private collect(channel: ClientChannel): void {
    let output = '';
    let exit: { code?: number | null; signal?: string } = {};
    channel.on('data', (data: Buffer) => {
      if (output.length < MAX_OUTPUT_BYTES) output += data.toString('utf8');
    });
    channel.stderr.resume();
    channel.on('exit', (code: number | null, signal?: string) => {
      exit = { code, signal };
    });
    channel.on('close', () => {
      // a server that sends no exit status at all is accepted when the output is right
      const exitedCleanly = (exit.code === 0 || exit.code === undefined) && !exit.signal;
      if (exitedCleanly && output.trim() === 'ok') this.finish('ok', this.banner, true);
      else if (!exitedCleanly) {
        this.finish('command_failed', exit.signal ? `killed by signal ${sanitizeEcho(exit.signal, 16)}` : `exit status ${exit.code}`);
      } else this.finish('command_failed', `unexpected output (${Buffer.byteLength(output)} bytes)`);
    });
  }

  private onDeadline(): void {
    const after = `after ${this.options.timeoutMs} ms`;
    if (this.stage === 'tcp') this.finish('timeout', `TCP connect did not complete ${after}`);
    else if (this.stage === 'banner') this.finish('no_banner', `no SSH banner ${after}`);
    else this.finish('timeout', `${this.authenticated ? 'command' : 'SSH login'} did not complete ${after}`);
  }

  private finish(cls: ProbeClass, detail: string | undefined, graceful = false): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const result: ProbeResult = {
      class: cls,
      stage: this.stage,
      duration_ms: Math.round(performance.now() - this.started),
      ...(this.fingerprint ? { host_key_fingerprint: this.fingerprint } : {}),
      ...(detail ? { detail } : {}),
    };
    void this.teardown(graceful).then(() => this.resolve(result));
  }

  /** Resolves once the socket is closed: no probe leaves a connection or timer behind. */
  private async teardown(graceful: boolean): Promise<void> {
    const socket = this.socket;
    if (this.socketClosed) return;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    if (graceful) {
      // a polite SSH disconnect (or FIN for a banner-only probe) so servers do not log a reset
      if (this.client) this.client.end();
      else socket.resume().end(); // resume: the peer's FIN must be read for 'close' to come
      const grace = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      await closed;
      clearTimeout(grace);
    } else {
      socket.destroy();
      await closed;
    }
  }
}
