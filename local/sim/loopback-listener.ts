// The listening side shared by a simulated instance's servers (its SSH port, its workload's HTTP port).
import type net from 'node:net';

export interface LoopbackListener {
  /** the port actually listened on */
  port: number;
  /** stops listening and drops every open connection: a stopped instance answers nothing */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 at `port`, or on a free port when that one is taken (e.g. after a restart): the caller
 * reports a changed port to its provider.
 */
export async function listenOnLoopback(server: net.Server, port: number): Promise<LoopbackListener> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('error', () => undefined);
  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(port);
  } catch {
    await listen(0);
  }
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
