/**
 * Compressed echo server child for bench/deflate-echo.bench.ts:
 * `node [--expose-gc] --import tsx bench/lib/deflate-echo-server.ts ours|ws [default|nct|off] [OPTIONS_JSON]`.
 *
 * permessage-deflate on: `ours` with our defaults, `ws` with ws's defaults
 * (`perMessageDeflate: true`). `nct`: the server also imposes server_ and
 * client_no_context_takeover; `off`: permessage-deflate off (declined), for the base cost.
 * OPTIONS_JSON: extra `DeflateOptions` for `ours` (e.g. '{"memLevel":4}'). Listens on 127.0.0.1 (ephemeral port), tells the parent
 * `{ type: 'listening', port }`, echoes every message as it came, and answers over IPC:
 *   { type: 'cpu' }     -> { type: 'cpu', user, system }
 *   { type: 'memory' }  -> { type: 'memory', rss, heapUsed, external, arrayBuffers, connections, compressed }
 *                          after full collections (needs --expose-gc)
 *   { type: 'stop' }    -> closes everything and exits
 * It exits when the parent goes away, and after 15 minutes in any case.
 */
import { WebSocketServer as WsServer, type WebSocket as WsSocket } from 'ws';
import { createServer } from '../../src/ws/index.js';

const impl = process.argv[2];
const nct = process.argv[3] === 'nct';
const off = process.argv[3] === 'off';
const extra = JSON.parse(process.argv[4] ?? '{}') as Record<string, unknown>;
let connections = 0;
/** Connections on which permessage-deflate was negotiated. */
let compressed = 0;
let stopServer: () => Promise<void>;

function send(msg: unknown): void {
  if (process.connected) process.send!(msg);
}

if (impl === 'ours') {
  const server = createServer({ perMessageDeflate: off ? false : nct ? { ...extra, serverNoContextTakeover: true, clientNoContextTakeover: true } : { ...extra } }, (ws) => {
    connections++;
    if (ws.extensions.startsWith('permessage-deflate')) compressed++;
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('close', () => connections--);
  });
  server.on('handshakeError', () => {});
  const address = await server.listen(0, '127.0.0.1');
  stopServer = () => server.close();
  send({ type: 'listening', port: address.port });
} else if (impl === 'ws') {
  const server = new WsServer({ host: '127.0.0.1', port: 0, perMessageDeflate: off ? false : nct ? { serverNoContextTakeover: true, clientNoContextTakeover: true } : true });
  server.on('connection', (ws: WsSocket) => {
    connections++;
    if (ws.extensions.includes('permessage-deflate')) compressed++;
    ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
    ws.on('close', () => connections--);
  });
  await new Promise<void>((r) => server.once('listening', () => r()));
  const address = server.address();
  stopServer = async () => {
    for (const ws of server.clients) ws.terminate();
    await new Promise<void>((r) => server.close(() => r()));
  };
  send({ type: 'listening', port: typeof address === 'string' || address === null ? 0 : address.port });
} else {
  console.error(`deflate-echo-server: unknown implementation ${impl}`);
  process.exit(2);
}

async function measureMemory(): Promise<Record<string, number>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, connections, compressed };
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 3000).unref();
  try {
    await stopServer();
  } finally {
    process.exit(0);
  }
}

process.on('message', (msg: { type?: string }) => {
  if (msg.type === 'cpu') send({ type: 'cpu', ...process.cpuUsage() });
  else if (msg.type === 'memory') void measureMemory().then((m) => send({ type: 'memory', ...m }));
  else if (msg.type === 'stop') void stop();
});
process.on('disconnect', () => void stop());
setTimeout(() => process.exit(1), 15 * 60_000).unref();
