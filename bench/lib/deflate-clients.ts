/**
 * Client child for the memory part of bench/deflate-echo.bench.ts:
 * `node --import tsx bench/lib/deflate-clients.ts ours|ws PORT COUNT [OPTIONS_JSON]` (extra DeflateOptions for ours).
 *
 * Opens COUNT connections with permessage-deflate (our client with our defaults, or ws with
 * ws's defaults), at most 50 handshakes at a time; on each, sends one ~1 KiB JSON primitive
 * and waits for its echo, so both directions have compressed one message. Then reports
 * `{ type: 'ready', count, failed, compressed, ms }` and keeps the connections open, idle,
 * until `{ type: 'stop' }` (or the parent goes away, or 5 minutes pass).
 */
import WsWebSocket from 'ws';
import { connect } from '../../src/ws/index.js';
import { primitivePool } from './deflate-primitives.js';

const [impl, portArg, countArg, extraArg] = process.argv.slice(2);
const extra = JSON.parse(extraArg ?? '{}') as Record<string, unknown>;
const port = Number(portArg);
const count = Number(countArg);
const url = `ws://127.0.0.1:${port}/`;
const pool = primitivePool(Math.min(count, 1000));
const closers: Array<() => void> = [];
let failed = 0;
let compressed = 0;

function within<T>(ms: number, p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}

async function open(i: number): Promise<void> {
  const message = pool[i % pool.length]!;
  try {
    if (impl === 'ours') {
      const ws = await connect(url, { perMessageDeflate: { ...extra }, handshakeTimeout: 30_000 });
      closers.push(() => ws.terminate());
      if (ws.extensions.startsWith('permessage-deflate')) compressed++;
      const echo = new Promise<void>((resolve) => ws.once('message', () => resolve()));
      ws.send(message);
      await within(30_000, echo);
    } else {
      const ws = new WsWebSocket(url, { perMessageDeflate: true, handshakeTimeout: 30_000 });
      ws.on('error', () => {});
      closers.push(() => ws.terminate());
      await within(
        30_000,
        new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        }),
      );
      if (ws.extensions.includes('permessage-deflate')) compressed++;
      const echo = new Promise<void>((resolve) => ws.once('message', () => resolve()));
      ws.send(message);
      await within(30_000, echo);
    }
  } catch {
    failed++;
  }
}

const started = Date.now();
let next = 0;
async function worker(): Promise<void> {
  while (next < count) await open(next++);
}
await Promise.all(Array.from({ length: Math.min(50, count) }, worker));
process.send?.({ type: 'ready', count: closers.length, failed, compressed, ms: Date.now() - started });

function stop(): void {
  for (const close of closers) close();
  setTimeout(() => process.exit(0), 200);
}
process.on('message', (msg: { type?: string }) => {
  if (msg.type === 'stop') stop();
});
process.on('disconnect', stop);
setTimeout(() => process.exit(1), 5 * 60_000).unref();
