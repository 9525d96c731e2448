/** Small helpers for loopback tests: raw sockets, waiting for events. */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';

/** Opens a raw TCP connection and collects everything it receives. */
export async function rawConnection(port: number): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  socket.on('error', () => {});
  const closed = once(socket, 'close').then(() => undefined);
  await once(socket, 'connect');
  return { socket, received: () => Buffer.concat(chunks), closed };
}

/** Resolves when `predicate` holds, polling every 5 ms; rejects after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const UPGRADE_REQUEST =
  'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
