// Small loopback servers for the SSH probe tests: a raw TCP server that tracks its connections, an ssh2 server on
// top of it with scripted behaviour, and a listener whose accept queue is full (SYNs go unanswered).
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import ssh2, { type Connection, type ParsedKey } from 'ssh2';
import { generateSshKeyPair } from '../../shared/adapters/ssh/keys.ts';

const { Server, utils } = ssh2;

export interface TcpServer {
  port: number;
  /** connections accepted so far */
  accepted(): number;
  /** connections still open on the server side */
  open(): number;
  /** resolves once every accepted connection has been closed (by either side) */
  allClosed(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpServer(onSocket: (socket: net.Socket) => void): Promise<TcpServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    accepted: () => accepted,
    open: () => sockets.size,
    allClosed: (timeoutMs = 5000) => waitFor(() => sockets.size === 0, timeoutMs, 'server connections to close'),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type SshBehaviour =
  /** answers `echo ok` with `ok` and exit 0 */
  | 'ok'
  | 'exit-1'
  | 'wrong-output'
  /** refuses to open a session channel */
  | 'no-session'
  /** drops the connection when the client tries to authenticate (a proxy whose container is not up) */
  | 'close-on-auth'
  /** accepts the key, then never answers the exec */
  | 'hang-exec';

export interface SshTestServer extends TcpServer {
  hostKeyPublic: string;
  commands: string[];
  authMethods: string[];
}

export async function startSshServer(options: {
  authorizedKey: string;
  behaviour?: SshBehaviour;
  /** let anyone in without credentials (method `none`), like a misconfigured host */
  acceptNone?: boolean;
}): Promise<SshTestServer> {
  const behaviour = options.behaviour ?? 'ok';
  const hostKey = generateSshKeyPair('test-host');
  const allowed = utils.parseKey(options.authorizedKey) as ParsedKey;
  const commands: string[] = [];
  const authMethods: string[] = [];
  const byRemotePort = new Map<number, net.Socket>();
  const ssh = new Server({ hostKeys: [hostKey.private_key] }, (conn: Connection, info) => {
    const socket = byRemotePort.get(info.port);
    conn.on('error', () => {});
    conn.on('authentication', (ctx) => {
      authMethods.push(ctx.method);
      if (behaviour === 'close-on-auth') {
        if (!socket) throw new Error('test server lost track of its socket');
        socket.destroy();
        return;
      }
      if (ctx.method === 'none' && options.acceptNone) {
        ctx.accept();
        return;
      }
      if (
        ctx.method === 'publickey' &&
        ctx.key.algo === allowed.type &&
        ctx.key.data.equals(allowed.getPublicSSH()) &&
        (!ctx.signature || allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true)
      ) {
        ctx.accept();
        return;
      }
      ctx.reject(['publickey']);
    });
    conn.on('ready', () => {
      conn.on('session', (accept, reject) => {
        if (behaviour === 'no-session') {
          reject();
          return;
        }
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          commands.push(info.command);
          const stream = acceptExec();
          if (behaviour === 'hang-exec') return;
          if (behaviour === 'exit-1') {
            stream.stderr.write('boom\n');
            stream.exit(1);
          } else {
            stream.write(behaviour === 'wrong-output' ? 'Welcome to the container!\n' : 'ok\n');
            stream.exit(0);
          }
          stream.end();
        });
      });
    });
  });
  const tcp = await startTcpServer((socket) => {
    const remotePort = socket.remotePort!;
    byRemotePort.set(remotePort, socket);
    socket.on('close', () => byRemotePort.delete(remotePort));
    ssh.injectSocket(socket);
  });
  return { ...tcp, hostKeyPublic: hostKey.public_key, commands, authMethods };
}

/**
 * A listener whose accept queue is full: its thread is blocked, so nothing is accepted, and once the queue holds
 * backlog + 1 connections the kernel drops further SYNs — a TCP connect to it hangs like one to a dead host.
 */
export async function startBlackholeListener(): Promise<{ port: number; close(): Promise<void> }> {
  const wake = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const server = require('node:net').createServer();
     server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(workerData, 0, 0);
       server.close();
       process.exit(0);
     });`,
    { eval: true, workerData: wake },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  const fillers: net.Socket[] = [];
  // fill the queue: connect until one connection attempt stays pending
  for (let i = 0; i < 16; i += 1) {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.on('error', () => {});
    fillers.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      // after the wait, let one poll phase run, so a connect that completed during an event-loop stall still counts
      const timer = setTimeout(() => setImmediate(() => resolve(!socket.connecting)), 500);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) break;
  }
  return {
    port,
    close: async () => {
      for (const socket of fillers) socket.destroy();
      Atomics.store(wake, 0, 1);
      Atomics.notify(wake, 0);
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

/** A port nothing listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
