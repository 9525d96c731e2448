/**
 * permessage-deflate end to end: compressed echo of ~1 KiB JSON oneM2M primitives, ours vs
 * `ws` with `perMessageDeflate` (our server + our client vs ws server + ws client), and memory
 * per connection in the server after one compressed message each way.
 *
 *   npx tsx bench/deflate-echo.bench.ts [--quick] [--duration S] [--connections N] [--only echo|memory]
 *                                       [--ours '{"memLevel":4}'] [--markdown]
 *
 * `--ours JSON` adds DeflateOptions to our server and client (to try other settings against
 * the same ws baseline).
 *
 * Echo: the server runs in a child process (bench/lib/deflate-echo-server.ts), this process
 * is the client, so on a 2-core machine each side has a core. Every message is a different
 * create-contentInstance request (bench/lib/deflate-primitives.ts, 1,024..1,291 bytes, so ws's
 * 1 KiB threshold compresses all of them), sent as text; every echo received is answered with
 * the next message, so the number in flight stays constant. Both sides use their defaults:
 * ours 12-bit windows, memLevel 5, level 6, synchronous zlib; ws 15-bit windows, memLevel 8,
 * level 6, zlib on the thread pool. Also printed: the bytes per message on the wire (client to
 * server, headers included), which shows that both really compress, and the CPU each side used
 * per second (100% = one core).
 *
 * Memory: a fresh server child (--expose-gc) is measured after gc, then a client child
 * (bench/lib/deflate-clients.ts) opens N connections, each sending one primitive and waiting
 * for its echo; the server is measured again after gc. Per connection = difference / N, for
 * RSS and for `external` (zlib's own allocations are not in external: RSS is the figure that
 * counts). Rows: both defaults; both with server- and client_no_context_takeover imposed
 * by the server; and the same exchange with compression declined, the base cost of a
 * connection that has carried one message each way, to subtract.
 *
 * The engine runs from src/ through tsx (esbuild keepNames wraps named closures; this costs
 * our side a little memory per connection, about 1-2 KiB, which ws loaded as plain JS does not pay).
 */
import type { ChildProcess } from 'node:child_process';
import WsWebSocket from 'ws';
import { connect } from '../src/ws/index.js';
import { flagValue, fmtNum, fmtRatio, forkTs, header, nextMessage, printMarkdown, printTable, quick, sleep, stopChild } from './lib/common.js';
import { primitivePool } from './lib/deflate-primitives.js';

type Impl = 'ours' | 'ws';
const IMPLS: Impl[] = ['ours', 'ws'];
const SHAPES = [
  { name: '1 conn x 64', connections: 1, inFlight: 64 },
  { name: '100 conns x 4', connections: 100, inFlight: 4 },
];
const duration = Number(flagValue('duration', quick ? '1' : '4')) * 1000;
const warmup = quick ? 300 : 1000;
const memoryConnections = Number(flagValue('connections', quick ? '200' : '1000'));
const markdown = process.argv.includes('--markdown');
const POOL = primitivePool(1000);
const oursJson = flagValue('ours', '{}');
const oursOptions = JSON.parse(oursJson) as Record<string, unknown>;

// ---- echo ---------------------------------------------------------------------------------

interface Client {
  send(): void;
  wireOut(): number;
  close(): void;
}

interface Run {
  received: number;
  running: boolean;
  /** Echoes whose text differed from what was sent (must stay 0). */
  mismatched: number;
}

async function openClient(impl: Impl, port: number, index: number, run: Run): Promise<Client> {
  // Each connection walks the pool from its own offset; the echo must match what was sent, in order.
  let next = (index * 37) % POOL.length;
  const sent: string[] = [];
  const take = (): string => {
    const m = POOL[next]!;
    next = (next + 1) % POOL.length;
    sent.push(m);
    return m;
  };
  const onEcho = (text: string, client: Client): void => {
    run.received++;
    if (sent.shift() !== text) run.mismatched++;
    if (run.running) client.send();
  };
  if (impl === 'ours') {
    const ws = await connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { ...oursOptions } });
    if (!ws.extensions.startsWith('permessage-deflate')) throw new Error('ours: deflate not negotiated');
    const client: Client = { send: () => void ws.send(take()), wireOut: () => ws.socket.bytesWritten, close: () => ws.terminate() };
    ws.on('message', (data) => onEcho(data.toString(), client));
    return client;
  }
  const ws = new WsWebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  if (!ws.extensions.includes('permessage-deflate')) throw new Error('ws: deflate not negotiated');
  const socket = (ws as unknown as { _socket: { bytesWritten: number } })._socket;
  const client: Client = { send: () => ws.send(take()), wireOut: () => socket.bytesWritten, close: () => ws.terminate() };
  ws.on('message', (data: Buffer) => onEcho(data.toString(), client));
  ws.on('error', () => {});
  return client;
}

async function serverCpu(server: ChildProcess): Promise<number> {
  server.send({ type: 'cpu' });
  const u = await nextMessage(server, (m) => ((m as { type?: string }).type === 'cpu' ? (m as { user: number; system: number }) : undefined), 10_000);
  return u.user + u.system;
}

interface EchoResult {
  rate: number;
  wirePerMessage: number;
  serverCpu: number;
  clientCpu: number;
}

async function runEcho(impl: Impl, server: ChildProcess, port: number, connections: number, inFlight: number): Promise<EchoResult> {
  const run: Run = { received: 0, running: true, mismatched: 0 };
  const clients: Client[] = [];
  for (let i = 0; i < connections; i += 20) {
    const batch = Math.min(20, connections - i);
    clients.push(...(await Promise.all(Array.from({ length: batch }, (_, k) => openClient(impl, port, i + k, run)))));
  }
  for (const c of clients) for (let k = 0; k < inFlight; k++) c.send();
  await sleep(warmup);
  const startCount = run.received;
  const startWire = clients.reduce((sum, c) => sum + c.wireOut(), 0);
  const startServerCpu = await serverCpu(server);
  const startClientCpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await sleep(duration);
  const count = run.received - startCount;
  const wire = clients.reduce((sum, c) => sum + c.wireOut(), 0) - startWire;
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const clientUsage = process.cpuUsage(startClientCpu);
  const serverUsed = (await serverCpu(server)) - startServerCpu;
  run.running = false;
  const expected = run.received - count + connections * inFlight;
  const drainUntil = Date.now() + 3000;
  while (run.received < expected && Date.now() < drainUntil) await sleep(10);
  for (const c of clients) c.close();
  await sleep(100);
  if (run.mismatched > 0) throw new Error(`${impl}: ${run.mismatched} echoes differed from what was sent`);
  return {
    rate: count / elapsed,
    wirePerMessage: wire / count,
    serverCpu: serverUsed / 1e6 / elapsed,
    clientCpu: (clientUsage.user + clientUsage.system) / 1e6 / elapsed,
  };
}

// ---- memory per connection ------------------------------------------------------------------

interface Memory {
  rss: number;
  external: number;
  arrayBuffers: number;
  heapUsed: number;
  connections: number;
  compressed: number;
}

async function serverMemory(server: ChildProcess): Promise<Memory> {
  server.send({ type: 'memory' });
  return nextMessage(server, (m) => ((m as { type?: string }).type === 'memory' ? (m as Memory) : undefined), 30_000);
}

async function runMemory(impl: Impl, config: 'default' | 'nct' | 'off'): Promise<{ rss: number; external: number; heap: number; count: number }> {
  const server = forkTs('bench/lib/deflate-echo-server.ts', [impl, config, ...(impl === 'ours' ? [oursJson] : [])], ['--expose-gc']);
  let clients: ChildProcess | undefined;
  try {
    const port = await nextMessage(server, (m) => ((m as { type?: string }).type === 'listening' ? (m as { port: number }).port : undefined), 30_000);
    const before = await serverMemory(server);
    clients = forkTs('bench/lib/deflate-clients.ts', [impl, String(port), String(memoryConnections), ...(impl === 'ours' ? [oursJson] : [])]);
    const ready = await nextMessage(clients, (m) => ((m as { type?: string }).type === 'ready' ? (m as { count: number; failed: number; compressed: number }) : undefined), 240_000);
    const expectCompressed = config === 'off' ? 0 : memoryConnections;
    if (ready.failed > 0 || ready.compressed !== expectCompressed) throw new Error(`${impl}: ${ready.failed} failed, ${ready.compressed} compressed of ${memoryConnections}`);
    await sleep(200);
    const afterMem = await serverMemory(server);
    if (afterMem.connections !== memoryConnections || afterMem.compressed !== expectCompressed) throw new Error(`${impl}: server sees ${afterMem.connections} connections`);
    const n = memoryConnections;
    return {
      rss: (afterMem.rss - before.rss) / n,
      external: (afterMem.external - before.external) / n,
      heap: (afterMem.heapUsed - before.heapUsed) / n,
      count: n,
    };
  } finally {
    if (clients !== undefined) await stopChild(clients);
    await stopChild(server);
  }
}

// ---- run ----------------------------------------------------------------------------------

const wsVersion = (await import('ws/package.json', { with: { type: 'json' } }).catch(() => ({ default: { version: '?' } }))).default.version;
header(`deflate echo: ours${oursJson === '{}' ? '' : ` ${oursJson}`} vs ws ${wsVersion} (both with permessage-deflate), ${duration / 1000} s per case after ${warmup / 1000} s warm-up`);
const started = Date.now();
const kib = (n: number): string => (n / 1024).toFixed(1);

const only = flagValue('only', 'all');
const echoRows: string[][] = [];
const servers = new Map<Impl, { child: ChildProcess; port: number }>();
if (only !== 'memory') try {
  for (const impl of IMPLS) {
    const child = forkTs('bench/lib/deflate-echo-server.ts', [impl, 'default', ...(impl === 'ours' ? [oursJson] : [])]);
    const port = await nextMessage(child, (m) => ((m as { type?: string }).type === 'listening' ? (m as { port: number }).port : undefined), 30_000);
    servers.set(impl, { child, port });
  }
  for (const shape of SHAPES) {
    const results = new Map<Impl, EchoResult>();
    for (const impl of IMPLS) {
      const s = servers.get(impl)!;
      results.set(impl, await runEcho(impl, s.child, s.port, shape.connections, shape.inFlight));
    }
    const ours = results.get('ours')!;
    const ws = results.get('ws')!;
    const cpu = (r: EchoResult): string => `${Math.round(r.serverCpu * 100)}/${Math.round(r.clientCpu * 100)}%`;
    const row = [
      shape.name,
      fmtNum(ours.rate),
      fmtNum(ws.rate),
      fmtRatio(ours.rate / ws.rate),
      fmtNum(ours.wirePerMessage),
      fmtNum(ws.wirePerMessage),
      cpu(ours),
      cpu(ws),
    ];
    echoRows.push(row);
    console.log(`  ${row[0]}: ours ${row[1]}/s, ws ${row[2]}/s, ours/ws ${row[3]}`);
  }
} finally {
  await Promise.all([...servers.values()].map((s) => stopChild(s.child)));
}
const echoHead = ['shape', 'ours msg/s', 'ws msg/s', 'ours/ws', 'ours wire B/msg', 'ws wire B/msg', 'ours cpu s/c', 'ws cpu s/c'];
if (echoRows.length > 0) {
  console.log('\ncompressed echo of ~1 KiB JSON primitives:');
  printTable(echoHead, echoRows);
}

const memoryRows: string[][] = [];
for (const config of only === 'echo' ? [] : (['default', 'nct', 'off'] as const)) {
  const ours = await runMemory('ours', config);
  const ws = await runMemory('ws', config);
  const row = [
    { default: 'defaults', nct: 'no context takeover both ways', off: 'compression declined (base cost)' }[config],
    kib(ours.rss),
    kib(ws.rss),
    fmtRatio(ours.rss / ws.rss),
    kib(ours.external),
    kib(ws.external),
    kib(ours.heap),
    kib(ws.heap),
  ];
  memoryRows.push(row);
  console.log(`  memory ${row[0]}: ours ${row[1]} KiB, ws ${row[2]} KiB RSS per connection`);
}
const memoryHead = ['config', 'ours RSS KiB/conn', 'ws RSS KiB/conn', 'ours/ws', 'ours external', 'ws external', 'ours heap', 'ws heap'];
if (memoryRows.length > 0) {
  console.log(`\nmemory per connection in the server after one compressed message each way (${memoryConnections.toLocaleString('en-US')} connections, after gc):`);
  printTable(memoryHead, memoryRows);
}
if (markdown) {
  if (echoRows.length > 0) {
    console.log('');
    printMarkdown(echoHead, echoRows);
  }
  if (memoryRows.length > 0) {
    console.log('');
    printMarkdown(memoryHead, memoryRows);
  }
}
console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
