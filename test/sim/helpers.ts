// Shared by the simulator tests: a real SSH client, raw TCP probes, polling, and adapters pointed at a sim.
import net from 'node:net';
import ssh2 from 'ssh2';
import type { TensorDockSim } from '../../local/sim/tensordock.ts';
import type { VastAiSim } from '../../local/sim/vastai.ts';
import { TokenBucket } from '../../shared/adapters/providers/rate-limiter.ts';
import { TensorDockClient } from '../../shared/adapters/providers/tensordock.ts';
import { VastAiClient } from '../../shared/adapters/providers/vastai/client.ts';

export interface KeyPair {
  private: string;
  public: string;
}

/** An ed25519 pair; ssh2's keygen sometimes makes a malformed one (a 31-byte public key), so check and redraw. */
export function keyPair(comment = 'test@gpu-shopper'): KeyPair {
  for (;;) {
    const kp = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    const pub = ssh2.utils.parseKey(kp.public);
    if (!(ssh2.utils.parseKey(kp.private) instanceof Error) && !(pub instanceof Error)) {
      return { private: kp.private, public: kp.public };
    }
  }
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** SHA256 fingerprints of the host keys seen, by "host:port". */
export const hostKeysSeen = new Map<string, string>();

export interface SshTarget {
  host: string;
  port: number;
  user: string;
}

/** Logs in with the key and runs one command. Rejects with ssh2's error (its `level` tells auth from transport). */
export function sshExec(target: SshTarget, privateKey: string, command: string, timeoutMs = 8000): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      client.end();
      fn();
    };
    client.on('ready', () => {
      client.exec(command, (err, stream) => {
        if (err) return finish(() => reject(err));
        let stdout = '';
        let stderr = '';
        let code: number | null = null;
        stream.on('data', (d: Buffer) => {
          stdout += d.toString();
        });
        stream.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        stream.on('exit', (c: number | null) => {
          code = c;
        });
        stream.on('close', () => finish(() => resolve({ stdout, stderr, code })));
      });
    });
    client.on('error', (err) => finish(() => reject(err)));
    client.on('close', () => finish(() => reject(new Error('connection closed'))));
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey,
      readyTimeout: timeoutMs,
      hostHash: 'sha256',
      hostVerifier: (hash: string) => {
        hostKeysSeen.set(`${target.host}:${target.port}`, hash);
        return true;
      },
    });
  });
}

export type BannerOutcome =
  | { kind: 'banner'; banner: string; closedAfter: boolean }
  | { kind: 'refused' }
  | { kind: 'silent' }
  | { kind: 'closed' };

/**
 * TCP connect, then wait for the server's identification line. With `sendIdent` the client also starts its
 * side of the handshake, and `closedAfter` tells whether the server then dropped the connection.
 */
export function probeBanner(host: string, port: number, waitMs = 1500, sendIdent = true): Promise<BannerOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let data = '';
    let banner: string | undefined;
    const done = (outcome: BannerOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => done(banner ? { kind: 'banner', banner, closedAfter: false } : { kind: 'silent' }),
      waitMs,
    );
    socket.on('connect', () => {
      if (sendIdent) socket.write('SSH-2.0-probe_1.0\r\n');
    });
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      const line = /^(SSH-[^\r\n]*)\r?\n/.exec(data);
      if (line && !banner) banner = line[1];
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done({ kind: 'refused' });
    });
    socket.on('close', () => done(banner ? { kind: 'banner', banner, closedAfter: true } : { kind: 'closed' }));
  });
}

/** Polls until the function returns something truthy (or stops throwing); fails after the timeout. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `condition not met within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// retries back off for real but briefly: the simulated marketplaces answer 429 to a client that breaks their
// (scaled-down) intervals, and a retry with no pause at all would break them again
const fast = () => ({
  limiter: new TokenBucket({ ratePerSecond: 1000, burst: 1000 }),
  http: { sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 250))) },
});

export function vastClient(sim: VastAiSim, apiKey = sim.apiKey): VastAiClient {
  return new VastAiClient({ apiKey, baseUrl: sim.url, ...fast() });
}

export function tensorDockClient(sim: TensorDockSim, apiToken = sim.apiKey): TensorDockClient {
  return new TensorDockClient({ apiToken, baseUrl: sim.url, ...fast() });
}

export const LABEL = (n = 1) => `gs-test-0b4e1e81-3e3a-4f2c-89c2-e4c935e53605-${n}`;

/** A raw API call, as a person or another tool would make it (not through the adapters). */
export async function raw(
  url: string,
  method: string,
  body: unknown,
  token: string,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}
