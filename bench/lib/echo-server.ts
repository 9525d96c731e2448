/**
 * Echo server child process for bench/echo.bench.ts (and the server side of
 * bench/memory.bench.ts): `node --import tsx bench/lib/echo-server.ts ours|ws|net`.
 *
 * Listens on 127.0.0.1 (an ephemeral port), tells the parent `{ type: 'listening', port }`
 * over IPC, echoes every message back as it came (binary as binary), and answers:
 *   { type: 'cpu' }     -> { type: 'cpu', user, system } (process.cpuUsage, microseconds)
 *   { type: 'memory' }  -> { type: 'memory', rss, heapUsed, external, arrayBuffers, connections }
 *                          after full garbage collections (needs --expose-gc)
 *   { type: 'stop' }    -> closes everything and exits
 * It also exits when the parent goes away, and after at most 15 minutes in any case.
 */
import { createServer as createNetServer, type Socket } from 'node:net';
import { WebSocketServer as WsServer, type WebSocket as WsSocket } from 'ws';
import { engine } from './engine.js';
import { LengthPrefixed } from './length-prefixed.js';

const impl = process.argv[2];
const echo = !process.argv.includes('--no-echo');
let connections = 0;
let stopServer: () => Promise<void>;

function send(msg: unknown): void {
  if (process.connected) process.send!(msg);
}

if (impl === 'ours') {
  const server = engine.createServer({}, (ws) => {
    connections++;
    if (echo) ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('close', () => connections--);
  });
  server.on('handshakeError', () => {});
  const address = await server.listen(0, '127.0.0.1');
  stopServer = () => server.close();
  send({ type: 'listening', port: address.port });
} else if (impl === 'ws') {
  const server = new WsServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  server.on('connection', (ws: WsSocket) => {
    connections++;
    if (echo) ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
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
} else if (impl === 'net') {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.setNoDelay(true);
    const parser = new LengthPrefixed();
    const write = (frame: Buffer): void => void socket.write(frame);
    socket.on('data', (chunk: Buffer) => {
      if (!echo) return;
      socket.cork();
      parser.push(chunk, write);
      socket.uncork();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      connections--;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  stopServer = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  send({ type: 'listening', port: typeof address === 'string' || address === null ? 0 : address.port });
} else {
  console.error(`echo-server: unknown implementation ${impl}`);
  process.exit(2);
}

async function measureMemory(): Promise<Record<string, number>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, connections };
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
