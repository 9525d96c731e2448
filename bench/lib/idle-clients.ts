/**
 * Client child process for bench/memory.bench.ts:
 * `node --import tsx bench/lib/idle-clients.ts ours|ws|net PORT COUNT`.
 *
 * Opens COUNT WebSocket connections (plain TCP ones for `net`) to 127.0.0.1:PORT (at most 100 handshakes at a time),
 * reports `{ type: 'open', count, failed, ms }` over IPC, then keeps them idle until told
 * `{ type: 'stop' }` (or the parent goes away, or 5 minutes pass), and exits.
 */
import { connect as netConnect } from 'node:net';
import WsWebSocket from 'ws';
import { engine } from './engine.js';

const [impl, portArg, countArg] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg);
const url = `ws://127.0.0.1:${port}/`;
const closers: Array<() => void> = [];
let failed = 0;

async function open(): Promise<void> {
  try {
    if (impl === 'ours') {
      const ws = await engine.connect(url, { handshakeTimeout: 30_000 });
      closers.push(() => ws.terminate());
    } else if (impl === 'net') {
      const socket = netConnect({ host: '127.0.0.1', port });
      socket.on('error', () => {});
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('error', reject);
      });
      closers.push(() => socket.destroy());
    } else {
      const ws = new WsWebSocket(url, { perMessageDeflate: false, handshakeTimeout: 30_000 });
      ws.on('error', () => {});
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      closers.push(() => ws.terminate());
    }
  } catch {
    failed++;
  }
}

const started = Date.now();
let next = 0;
async function worker(): Promise<void> {
  while (next < count) {
    next++;
    await open();
  }
}
await Promise.all(Array.from({ length: Math.min(100, count) }, worker));
process.send?.({ type: 'open', count: closers.length, failed, ms: Date.now() - started });

function stop(): void {
  for (const close of closers) close();
  setTimeout(() => process.exit(0), 200);
}
process.on('message', (msg: { type?: string }) => {
  if (msg.type === 'stop') stop();
});
process.on('disconnect', stop);
setTimeout(() => process.exit(1), 5 * 60_000).unref();
// Stay alive while the connections are held (they are active handles anyway).
