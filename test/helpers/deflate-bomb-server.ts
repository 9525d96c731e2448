/**
 * Child process for test/ws/deflate-bomb.test.ts: `node --expose-gc --import tsx
 * test/helpers/deflate-bomb-server.ts`. Runs our server (permessage-deflate on, maxMessageSize
 * 1 MiB) and measures its own memory around each connection's fate:
 *
 *   -> { type: 'listening', port }
 *   <- { type: 'baseline' }      gc, then -> { type: 'baseline', memory }
 *   on each message              -> { type: 'message', length }
 *   on each close                -> { type: 'closed', code, atClose, afterGc, peakRssKiB }
 *        atClose: memory when the close event fires, before any gc (inflated garbage still there)
 *        afterGc: memory after full collections
 *   <- { type: 'stop' }          exits (also when the parent goes away, and after 60 s anyway)
 *
 * memory = { rss, external, arrayBuffers } from process.memoryUsage().
 */
import { createServer } from '../../src/ws/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('deflate-bomb-server: run with --expose-gc');
  process.exit(2);
}

function memory(): { rss: number; external: number; arrayBuffers: number } {
  const m = process.memoryUsage();
  return { rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers };
}

async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 20));
  }
}

function send(msg: unknown): void {
  if (process.connected) process.send!(msg);
}

const server = createServer({ perMessageDeflate: true, maxMessageSize: 1 << 20 }, (ws) => {
  ws.on('message', (data) => send({ type: 'message', length: data.length }));
  ws.on('close', (code) => {
    const atClose = memory();
    void collect().then(() => send({ type: 'closed', code, atClose, afterGc: memory(), peakRssKiB: process.resourceUsage().maxRSS }));
  });
});
const { port } = await server.listen(0, '127.0.0.1');
send({ type: 'listening', port });

process.on('message', (msg: { type?: string }) => {
  if (msg.type === 'baseline') void collect().then(() => send({ type: 'baseline', memory: memory(), peakRssKiB: process.resourceUsage().maxRSS }));
  else if (msg.type === 'stop') void server.close().finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(1), 60_000).unref();
