// The SSH side of one simulated instance: a real SSH server (ssh2) on loopback that accepts only the keys
// attached to the instance (the signature is verified), or one of the faults a scenario asks for.
import net from 'node:net';
import ssh2 from 'ssh2';
import { type LoopbackListener, listenOnLoopback } from './loopback-listener.ts';
import type { SshMode } from './scenario.ts';
import { runSimCommand, type SimMachine } from './shell.ts';

const { Server, utils } = ssh2;

/** what the port does right now: nothing listens ('off'), or a listener behaving per the scenario */
export type SshListenMode = 'off' | Exclude<SshMode, 'refused'>;

const BANNER = 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n';

interface SimSshHostOptions {
  /** OpenSSH private host key */
  hostKey: string;
  /** the port to listen on; another one is taken (and reported through onPort) if it is busy */
  port: number;
  /** the public keys authorised for a user right now (keys can be attached after the server started) */
  authorizedKeys: (username: string) => string[];
  machine: SimMachine;
  onPort: (port: number) => void;
}

export class SimSshHost {
  private listener?: LoopbackListener;
  private mode: SshListenMode = 'off';
  private sshServer?: InstanceType<typeof Server>;
  private queue: Promise<void> = Promise.resolve();
  private readonly parsedKeys = new Map<string, ssh2.ParsedKey | undefined>();
  port: number;

  constructor(private readonly options: SimSshHostOptions) {
    this.port = options.port;
  }

  get listening(): boolean {
    return this.listener !== undefined;
  }

  /** Moves to the given mode; calls are applied one after another. */
  setMode(mode: SshListenMode): Promise<void> {
    this.queue = this.queue.then(() => this.apply(mode)).catch(() => undefined);
    return this.queue;
  }

  close(): Promise<void> {
    return this.setMode('off');
  }

  private async apply(mode: SshListenMode): Promise<void> {
    if (mode === this.mode) return;
    if (this.listener) await this.stopListening();
    this.mode = mode;
    if (mode !== 'off') await this.startListening();
  }

  private async startListening(): Promise<void> {
    const listener = await listenOnLoopback(
      net.createServer((socket) => this.accept(socket)),
      this.port,
    );
    if (listener.port !== this.port) {
      this.port = listener.port;
      this.options.onPort(this.port);
    }
    this.listener = listener;
  }

  private async stopListening(): Promise<void> {
    const listener = this.listener!;
    this.listener = undefined;
    await listener.close();
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    switch (this.mode) {
      case 'never':
        return; // the connection stays open and silent
      case 'close_early':
        socket.write(BANNER);
        // drop the connection once the client has started its side of the handshake
        socket.once('data', () => setTimeout(() => socket.destroy(), 20));
        setTimeout(() => socket.destroy(), 5000).unref();
        return;
      default:
        this.ssh().injectSocket(socket);
    }
  }

  private ssh(): InstanceType<typeof Server> {
    if (this.sshServer) return this.sshServer;
    this.sshServer = new Server(
      { hostKeys: [this.options.hostKey], ident: 'OpenSSH_8.9p1 Ubuntu-3ubuntu0.6' },
      (client) => {
        client.on('error', () => undefined);
        client.on('authentication', (ctx) => {
          if (this.mode !== 'ok' || ctx.method !== 'publickey') return ctx.reject(['publickey']);
          const key = this.findKey(ctx.username, ctx.key.data);
          if (!key) return ctx.reject(['publickey']);
          // without a signature the client only asks whether the key would do; it must sign next
          if (!ctx.signature) return ctx.accept();
          return key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(['publickey']);
        });
        client.on('ready', () => {
          client.on('session', (acceptSession) => {
            const session = acceptSession();
            session.on('pty', (accept) => accept?.());
            session.on('env', (accept) => accept?.());
            session.on('shell', (_accept, reject) => reject?.());
            session.on('exec', (accept, _reject, info) => {
              const stream = accept();
              const result = runSimCommand(info.command, this.options.machine);
              if (result.stdout) stream.write(result.stdout);
              if (result.stderr) stream.stderr.write(result.stderr);
              stream.exit(result.code);
              stream.end();
            });
          });
        });
      },
    );
    return this.sshServer;
  }

  private findKey(username: string, blob: Buffer): ssh2.ParsedKey | undefined {
    for (const text of this.options.authorizedKeys(username)) {
      let parsed = this.parsedKeys.get(text);
      if (!this.parsedKeys.has(text)) {
        const result = utils.parseKey(text);
        parsed = result instanceof Error ? undefined : Array.isArray(result) ? result[0] : result;
        this.parsedKeys.set(text, parsed);
      }
      if (parsed?.getPublicSSH().equals(blob)) return parsed;
    }
    return undefined;
  }
}

/** A fresh ed25519 host key for a new simulated instance. */
export function newHostKey(): string {
  // ssh2 1.17's keygen strips leading zero bytes of the ed25519 public key, so about one key in 256 comes out
  // malformed (unusable even by ssh2 itself): draw again until the key parses
  for (;;) {
    const key = utils.generateKeyPairSync('ed25519').private;
    if (isUsableHostKey(key)) return key;
  }
}

export function isUsableHostKey(key: string): boolean {
  return !(utils.parseKey(key) instanceof Error);
}

/** true when the text is an OpenSSH public key ssh2 can read */
export function isPublicKey(text: string): boolean {
  const parsed = utils.parseKey(text);
  return !(parsed instanceof Error) && !(Array.isArray(parsed) ? parsed[0] : parsed)?.isPrivateKey();
}
