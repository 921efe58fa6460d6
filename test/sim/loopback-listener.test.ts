import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../../local/sim/loopback-listener.ts';

const connect = (port: number) =>
  new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });

describe('listenOnLoopback', () => {
  it('takes a free port when the asked one is busy (a restarted instance), and keeps the asked one otherwise', async () => {
    const squatter = await listenOnLoopback(net.createServer(), 0);
    const moved = await listenOnLoopback(net.createServer(), squatter.port);
    expect(moved.port).not.toBe(squatter.port);
    await moved.close();
    const again = await listenOnLoopback(net.createServer(), moved.port);
    expect(again.port).toBe(moved.port);
    await Promise.all([again.close(), squatter.close()]);
  });

  it('close drops open connections and stops listening', async () => {
    const listener = await listenOnLoopback(net.createServer(), 0);
    const client = await connect(listener.port);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.on('error', () => undefined);
    await listener.close();
    await closed;
    await expect(connect(listener.port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
