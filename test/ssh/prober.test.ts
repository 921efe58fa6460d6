import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../shared/adapters/ssh/keys.ts';
import { classifyProbeError, describeProbeError, findBanner, Ssh2Prober } from '../../shared/adapters/ssh/prober.ts';
import type { ProbeResult } from '../../shared/ports/ssh-prober.ts';
import {
  closedPort,
  type SshBehaviour,
  startBlackholeListener,
  startSshServer,
  startTcpServer,
  type TcpServer,
  waitFor,
} from './test-servers.ts';

const prober = new Ssh2Prober();
const clientKey = generateSshKeyPair('gs-test-client');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function track<T extends { close(): Promise<void> }>(server: Promise<T>): Promise<T> {
  const started = await server;
  cleanups.push(() => started.close());
  return started;
}

function sshServer(behaviour: SshBehaviour = 'ok', authorizedKey = clientKey.public_key) {
  return track(startSshServer({ authorizedKey, behaviour }));
}

/** a raw TCP server; sockets nobody reads are drained, so the server side sees the probe's FIN */
function tcpServer(onSocket: (socket: net.Socket) => void): Promise<TcpServer> {
  return track(
    startTcpServer((socket) => {
      onSocket(socket);
      if (socket.listenerCount('data') === 0) socket.resume();
    }),
  );
}

function probe(port: number, options: { timeoutMs?: number; bannerOnly?: boolean } = {}, host = '127.0.0.1') {
  return prober.probe({ host, port, user: 'root' }, clientKey.private_key, { timeoutMs: 5000, ...options });
}

/** expected fingerprint, computed from the authorized_keys line rather than by the code under test */
function fingerprintOf(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.split(' ')[1]!, 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function expectNoSecrets(result: ProbeResult) {
  const text = JSON.stringify(result);
  expect(text).not.toContain('PRIVATE KEY');
  expect(text).not.toContain(clientKey.private_key.split('\n')[1]!);
}

describe('Ssh2Prober against loopback servers', () => {
  it('ok: logs in with the key over one connection, runs `echo ok`, records the host key and closes', async () => {
    const server = await sshServer('ok');
    const result = await probe(server.port);
    expect(result).toMatchObject({ class: 'ok', stage: 'login' });
    expect(result.host_key_fingerprint).toBe(fingerprintOf(server.hostKeyPublic));
    expect(result.detail).toMatch(/^SSH-2\.0-/);
    expect(result.duration_ms).toBeGreaterThanOrEqual(0);
    expect(result.duration_ms).toBeLessThan(5000);
    expect(server.commands).toEqual(['echo ok']);
    expect(server.accepted()).toBe(1);
    await server.allClosed();
    expectNoSecrets(result);
  });

  it('ok (banner only): reads the banner without logging in', async () => {
    const server = await sshServer('ok');
    const result = await probe(server.port, { bannerOnly: true });
    expect(result).toMatchObject({ class: 'ok', stage: 'banner' });
    expect(result.detail).toMatch(/^SSH-2\.0-/);
    expect(result.host_key_fingerprint).toBeUndefined();
    expect(server.authMethods).toEqual([]);
    await server.allClosed();
  });

  it('ok: accepts greeting lines before the SSH banner (RFC 4253 §4.2)', async () => {
    const server = await sshServer('ok');
    // a relay that prints a greeting, then pipes to the real SSH server
    const relay = await tcpServer((socket) => {
      socket.write('Welcome, please wait\r\n');
      const upstream = net.connect({ host: '127.0.0.1', port: server.port });
      upstream.on('error', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
      upstream.on('close', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
    });
    const result = await probe(relay.port);
    expect(result).toMatchObject({ class: 'ok', stage: 'login' });
    expect(result.host_key_fingerprint).toBe(fingerprintOf(server.hostKeyPublic));
    await relay.allClosed();
  });

  it('refused: nothing listens on the port', async () => {
    const result = await probe(await closedPort());
    expect(result).toMatchObject({ class: 'refused', stage: 'tcp' });
    expect(result.detail).toContain('ECONNREFUSED');
    expect(result.duration_ms).toBeLessThan(5000);
  });

  it('no_banner: TCP accepted but the server never speaks; settles at the deadline and closes', async () => {
    const server = await tcpServer(() => {});
    const result = await probe(server.port, { timeoutMs: 300 });
    expect(result).toMatchObject({ class: 'no_banner', stage: 'banner' });
    expect(result.duration_ms).toBeGreaterThanOrEqual(295);
    expect(result.duration_ms).toBeLessThan(300 + 2000);
    await server.allClosed();
  });

  it('no_banner: a server that keeps talking something other than SSH', async () => {
    const server = await tcpServer((socket) => socket.write('HTTP/1.1 200 OK\r\n\r\n'));
    const result = await probe(server.port, { timeoutMs: 300 });
    expect(result).toMatchObject({ class: 'no_banner', stage: 'banner' });
    await server.allClosed();
  });

  it('handshake_closed: the server sends an SSH banner, then drops the connection', async () => {
    const server = await tcpServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    const result = await probe(server.port);
    expect(result).toMatchObject({ class: 'handshake_closed', stage: 'login' });
    await server.allClosed();
  });

  it('handshake_closed: a non-SSH server that answers and closes', async () => {
    const server = await tcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const result = await probe(server.port);
    expect(result).toMatchObject({ class: 'handshake_closed', stage: 'banner' });
    expect(result.detail).toContain('not an SSH banner');
    await server.allClosed();
  });

  it('handshake_closed: the peer resets the connection before the banner', async () => {
    const server = await tcpServer((socket) => socket.resetAndDestroy());
    const result = await probe(server.port);
    expect(result).toMatchObject({ class: 'handshake_closed', stage: 'banner' });
  });

  it('auth_rejected: the server does not accept the key', async () => {
    const other = generateSshKeyPair('someone-else');
    const server = await sshServer('ok', other.public_key);
    const result = await probe(server.port);
    expect(result).toMatchObject({ class: 'auth_rejected', stage: 'login' });
    expect(result.detail).toContain('All configured authentication methods failed');
    expect(result.host_key_fingerprint).toBe(fingerprintOf(server.hostKeyPublic));
    expect(server.commands).toEqual([]);
    await server.allClosed();
    expectNoSecrets(result);
  });

  it('an early close during authentication is handshake_closed, not auth_rejected', async () => {
    const server = await sshServer('close-on-auth');
    const result = await probe(server.port);
    expect(result).toMatchObject({ class: 'handshake_closed', stage: 'login' });
    expect(server.authMethods.length).toBeGreaterThan(0);
    await server.allClosed();
  });

  it('command_failed: `echo ok` exits 1', async () => {
    const server = await sshServer('exit-1');
    const result = await probe(server.port);
    expect(result).toMatchObject({ class: 'command_failed', stage: 'login', detail: 'exit status 1' });
    expect(result.host_key_fingerprint).toBe(fingerprintOf(server.hostKeyPublic));
    await server.allClosed();
  });

  it('command_failed: exit 0 but the output is not `ok` (and is not echoed)', async () => {
    const server = await sshServer('wrong-output');
    const result = await probe(server.port);
    expect(result).toMatchObject({ class: 'command_failed', stage: 'login' });
    expect(result.detail).toMatch(/unexpected output/);
    expect(result.detail).not.toContain('Welcome');
    await server.allClosed();
  });

  it('command_failed: the server refuses a session channel', async () => {
    const server = await sshServer('no-session');
    const result = await probe(server.port);
    expect(result).toMatchObject({ class: 'command_failed', stage: 'login' });
    expect(result.detail).toMatch(/could not start/);
    await server.allClosed();
  });

  it('timeout: the TCP connect is never answered', async () => {
    const blackhole = await track(startBlackholeListener());
    const result = await probe(blackhole.port, { timeoutMs: 400 });
    expect(result).toMatchObject({ class: 'timeout', stage: 'tcp' });
    expect(result.duration_ms).toBeGreaterThanOrEqual(395);
    expect(result.duration_ms).toBeLessThan(400 + 2000);
  });

  it('timeout: logged in, but the command never finishes', async () => {
    const server = await sshServer('hang-exec');
    const result = await probe(server.port, { timeoutMs: 1500 });
    expect(result).toMatchObject({ class: 'timeout', stage: 'login' });
    expect(result.detail).toMatch(/command did not complete/);
    expect(server.commands).toEqual(['echo ok']);
    await server.allClosed();
  });

  // .invalid never resolves (RFC 6761); without any reachable resolver glibc answers EAI_AGAIN only after its
  // retries (about 10 s), hence the generous deadline
  it('dns: the host name does not resolve', { timeout: 40_000 }, async () => {
    const result = await probe(22, { timeoutMs: 25_000 }, 'host.invalid');
    expect(result).toMatchObject({ class: 'dns', stage: 'tcp' });
    expect(result.detail).toMatch(/ENOTFOUND|EAI_AGAIN/);
  });

  it('refuses an unusable private key or target before any network I/O, without echoing the key', async () => {
    const server = await sshServer('ok');
    const bogus = '-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LW1hdGVyaWFs\n-----END OPENSSH PRIVATE KEY-----\n';
    const target = { host: '127.0.0.1', port: server.port, user: 'root' };
    const err = await prober.probe(target, bogus, { timeoutMs: 1000 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/not an unencrypted private key/);
    expect((err as Error).message).not.toContain('c2VjcmV0');
    await expect(prober.probe({ ...target, port: 0 }, clientKey.private_key, { timeoutMs: 1000 })).rejects.toThrow(/invalid target/);
    await expect(prober.probe({ ...target, user: '' }, clientKey.private_key, { timeoutMs: 1000 })).rejects.toThrow(/invalid target/);
    expect(server.accepted()).toBe(0);
  });

  it('logs in only with the key: a host that lets anyone in (`none`) is still asked for the key', async () => {
    const server = await track(startSshServer({ authorizedKey: clientKey.public_key, acceptNone: true }));
    expect(await probe(server.port)).toMatchObject({ class: 'ok' });
    expect(server.authMethods).toEqual(['publickey', 'publickey']);
  });
});

describe('classifyProbeError', () => {
  const sys = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:22`), { code });
  const ssh2 = (level: string, message: string) => Object.assign(new Error(message), { level });

  it.each([
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['EHOSTDOWN', 'unreachable'],
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['EADDRNOTAVAIL', 'unreachable'],
    ['ECONNRESET', 'handshake_closed'],
  ])('TCP error %s → %s', (code, expected) => {
    expect(classifyProbeError(sys(code), { stage: 'tcp' })).toBe(expected);
  });

  it('reads codes inside an AggregateError (happy-eyeballs connect)', () => {
    const aggregate = Object.assign(new AggregateError([sys('ENETUNREACH'), sys('EHOSTUNREACH')], 'connect failed'), {
      code: undefined,
    });
    expect(classifyProbeError(aggregate, { stage: 'tcp' })).toBe('unreachable');
  });

  it('only a genuine authentication verdict is auth_rejected', () => {
    const authFailed = ssh2('client-authentication', 'All configured authentication methods failed');
    expect(classifyProbeError(authFailed, { stage: 'login' })).toBe('auth_rejected');
    const noMoreMethods = Object.assign(new Error('No more auth methods'), { code: 14 });
    expect(classifyProbeError(noMoreMethods, { stage: 'login' })).toBe('auth_rejected');
  });

  it.each([
    [ssh2('protocol', 'Connection lost before handshake')],
    [ssh2('client-socket', 'read ECONNRESET')],
    [Object.assign(ssh2('client-socket', 'write EPIPE'), { code: 'EPIPE' })],
    [ssh2('handshake', 'Handshake failed: no matching key exchange algorithm')],
    [Object.assign(new Error('Too many authentication failures'), { code: 2 })],
  ])('a close/reset/protocol failure before login is handshake_closed: %s', (err) => {
    expect(classifyProbeError(err, { stage: 'login' })).toBe('handshake_closed');
    expect(classifyProbeError(err, { stage: 'banner' })).toBe('handshake_closed');
  });

  it('after login, a dropped connection is command_failed', () => {
    expect(classifyProbeError(ssh2('client-socket', 'read ECONNRESET'), { stage: 'login', authenticated: true })).toBe(
      'command_failed',
    );
  });

  it('ssh2 timeouts are timeouts', () => {
    expect(classifyProbeError(ssh2('client-timeout', 'Timed out while waiting for handshake'), { stage: 'login' })).toBe(
      'timeout',
    );
  });

  it('describes errors briefly and without key material', () => {
    const key = generateSshKeyPair('x').private_key;
    const detail = describeProbeError(Object.assign(new Error(`bad ${key}`), { level: 'protocol', code: 'EX' }));
    expect(detail.startsWith('protocol EX: bad ')).toBe(true);
    expect(detail).not.toContain(key.split('\n')[1]!);
    expect(detail.length).toBeLessThan(200);
  });
});

describe('findBanner', () => {
  it('finds the SSH line after greeting lines, with CRLF or LF, and waits for a complete line', () => {
    expect(findBanner(Buffer.from('hello\r\nSSH-2.0-x y\r\n'))).toBe('SSH-2.0-x y');
    expect(findBanner(Buffer.from('SSH-2.0-x\n'))).toBe('SSH-2.0-x');
    expect(findBanner(Buffer.from('SSH-2.0-x'))).toBeUndefined();
    expect(findBanner(Buffer.from('HTTP/1.1 400\r\n\r\n'))).toBeUndefined();
  });
});

describe('Ssh2Prober resource hygiene', () => {
  const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

  it('leaves no socket behind, whatever the outcome', async () => {
    // start from a quiet process (earlier tests' sockets may still be closing), then expect it quiet again
    await waitFor(() => sockets() === 0, 5000, 'earlier sockets to close');
    const other = generateSshKeyPair('someone-else');
    const servers = [
      await startSshServer({ authorizedKey: clientKey.public_key }),
      await startSshServer({ authorizedKey: other.public_key }),
      await startSshServer({ authorizedKey: clientKey.public_key, behaviour: 'exit-1' }),
      await startSshServer({ authorizedKey: clientKey.public_key, behaviour: 'close-on-auth' }),
      await startTcpServer(() => {}),
    ];
    const results = [];
    for (const server of servers) results.push(await probe(server.port, { timeoutMs: 500 }));
    results.push(await probe(await closedPort(), { timeoutMs: 500 }));
    expect(results.map((r) => r.class)).toEqual(['ok', 'auth_rejected', 'command_failed', 'handshake_closed', 'no_banner', 'refused']);
    // the servers saw every connection closed, and no client-side socket is left in this process either
    for (const server of servers) await server.allClosed();
    expect(sockets()).toBe(0);
    for (const server of servers) await server.close();
  });
});
