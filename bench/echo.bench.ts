/**
 * Loopback echo: messages/s through a WebSocket echo server, ours vs `ws` vs a raw `net`
 * length-prefixed echo (the upper bound), in the same run.
 *
 *   npx tsx bench/echo.bench.ts [--quick] [--duration S] [--rounds R] [--markdown]
 *
 * Each server runs in its own child process (bench/lib/echo-server.ts); this process is the
 * client, so on a 2-core machine server and client each have a core. For every case (message
 * size x shape) the three implementations run one after the other on fresh connections:
 * connect, put the messages in flight, warm up, then count echoes for a fixed time. Every echo
 * received is answered with a new message, so the number in flight stays constant.
 *
 *   shapes: 1 connection x 64 in flight; 100 connections x 4 in flight
 *   sizes:  64 B, 1 KiB, 64 KiB binary messages
 *
 * Also printed: the CPU time each side used per second of the run (100% = one core busy),
 * which shows which side is the bottleneck.
 *
 * With --rounds R (default 2, 1 with --quick) every case runs R times per implementation,
 * interleaved (ours, ws, net, ours, ws, net, ...), and the best run of each counts: on a shared
 * machine that filters out runs slowed by other processes, the same way for all three.
 */
import type { ChildProcess } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import WsWebSocket from 'ws';
import { flagValue, fmtNum, fmtRatio, forkTs, header, nextMessage, printMarkdown, printTable, quick, sleep, stopChild } from './lib/common.js';
import { engine, engineSource } from './lib/engine.js';
import { LengthPrefixed, lengthPrefixed } from './lib/length-prefixed.js';
import { wsVersion } from './lib/ws-internals.js';

type Impl = 'ours' | 'ws' | 'net';
const IMPLS: Impl[] = ['ours', 'ws', 'net'];
const SIZES = [64, 1024, 64 * 1024];
const SHAPES = [
  { name: '1 conn x 64', connections: 1, inFlight: 64 },
  { name: '100 conns x 4', connections: 100, inFlight: 4 },
];
const duration = Number(flagValue('duration', quick ? '1' : '3')) * 1000;
const warmup = quick ? 300 : 1000;
/** Each case is run this many times per implementation, interleaved; the best run counts. */
const rounds = Number(flagValue('rounds', quick ? '1' : '2'));
const markdown = process.argv.includes('--markdown');

/** One client connection as the benchmark drives it. */
interface Client {
  /** Sends one message. */
  send(): void;
  close(): void;
}

interface Run {
  received: number;
  running: boolean;
}

function onEcho(run: Run, client: () => Client): void {
  run.received++;
  if (run.running) client().send();
}

async function openClient(impl: Impl, port: number, payload: Buffer, run: Run): Promise<Client> {
  if (impl === 'ours') {
    const ws = await engine.connect(`ws://127.0.0.1:${port}/`);
    const client: Client = { send: () => void ws.send(payload, { binary: true }), close: () => ws.terminate() };
    ws.on('message', () => onEcho(run, () => client));
    return client;
  }
  if (impl === 'ws') {
    const ws = new WsWebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const client: Client = { send: () => ws.send(payload, { binary: true }), close: () => ws.terminate() };
    ws.on('message', () => onEcho(run, () => client));
    ws.on('error', () => {});
    return client;
  }
  const frame = lengthPrefixed(payload);
  const socket: Socket = netConnect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  const parser = new LengthPrefixed();
  const client: Client = { send: () => void socket.write(frame), close: () => socket.destroy() };
  const onFrame = (): void => onEcho(run, () => client);
  socket.on('data', (chunk: Buffer) => {
    socket.cork();
    parser.push(chunk, onFrame);
    socket.uncork();
  });
  socket.on('error', () => {});
  return client;
}

async function serverCpu(server: ChildProcess): Promise<number> {
  server.send({ type: 'cpu' });
  const u = await nextMessage(server, (m) => ((m as { type?: string }).type === 'cpu' ? (m as { user: number; system: number }) : undefined), 10_000);
  return u.user + u.system;
}

interface Result {
  rate: number;
  serverCpu: number;
  clientCpu: number;
}

async function runCase(impl: Impl, server: ChildProcess, port: number, size: number, connections: number, inFlight: number): Promise<Result> {
  const payload = Buffer.alloc(size, 0x5a);
  const run: Run = { received: 0, running: true };
  const clients: Client[] = [];
  for (let i = 0; i < connections; i += 20) {
    const batch = Math.min(20, connections - i);
    clients.push(...(await Promise.all(Array.from({ length: batch }, () => openClient(impl, port, payload, run)))));
  }
  for (const c of clients) for (let k = 0; k < inFlight; k++) c.send();
  await sleep(warmup);
  const startCount = run.received;
  const startServerCpu = await serverCpu(server);
  const startClientCpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await sleep(duration);
  const count = run.received - startCount;
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const clientUsage = process.cpuUsage(startClientCpu);
  const serverUsed = (await serverCpu(server)) - startServerCpu;
  run.running = false;
  // Let what is in flight come back (bounded), then drop the connections.
  const expected = run.received - count + connections * inFlight;
  const drainUntil = Date.now() + 2000;
  while (run.received < expected && Date.now() < drainUntil) await sleep(10);
  for (const c of clients) c.close();
  await sleep(100);
  return {
    rate: count / elapsed,
    serverCpu: serverUsed / 1e6 / elapsed,
    clientCpu: (clientUsage.user + clientUsage.system) / 1e6 / elapsed,
  };
}

header(`echo: ours (${engineSource}) vs ws ${wsVersion} vs net, ${duration / 1000} s per case after ${warmup / 1000} s warm-up, best of ${rounds}`);
const started = Date.now();
const servers = new Map<Impl, { child: ChildProcess; port: number }>();
try {
  for (const impl of IMPLS) {
    const child = forkTs('bench/lib/echo-server.ts', [impl]);
    const port = await nextMessage(child, (m) => ((m as { type?: string }).type === 'listening' ? (m as { port: number }).port : undefined), 30_000);
    servers.set(impl, { child, port });
  }
  const rows: string[][] = [];
  for (const shape of SHAPES) {
    for (const size of SIZES) {
      const results = new Map<Impl, Result>();
      for (let round = 0; round < rounds; round++) {
        for (const impl of IMPLS) {
          const s = servers.get(impl)!;
          const r = await runCase(impl, s.child, s.port, size, shape.connections, shape.inFlight);
          const best = results.get(impl);
          if (best === undefined || r.rate > best.rate) results.set(impl, r);
        }
      }
      const ours = results.get('ours')!;
      const ws = results.get('ws')!;
      const net = results.get('net')!;
      const cpu = (r: Result): string => `${Math.round(r.serverCpu * 100)}/${Math.round(r.clientCpu * 100)}%`;
      const row = [
        shape.name,
        size >= 1024 ? `${size / 1024} KiB` : `${size} B`,
        fmtNum(ours.rate),
        fmtNum(ws.rate),
        fmtNum(net.rate),
        fmtRatio(ours.rate / ws.rate),
        fmtRatio(net.rate / ws.rate),
        `${fmtNum((ours.rate * size) / 1e6)}`,
        cpu(ours),
        cpu(ws),
        cpu(net),
      ];
      rows.push(row);
      console.log(`  ${row[0]} ${row[1]}: ours ${row[2]}/s, ws ${row[3]}/s, net ${row[4]}/s, ours/ws ${row[5]}`);
    }
  }
  console.log('');
  const head = ['shape', 'size', 'ours msg/s', 'ws msg/s', 'net msg/s', 'ours/ws', 'net/ws', 'ours MB/s', 'ours cpu s/c', 'ws cpu s/c', 'net cpu s/c'];
  printTable(head, rows);
  if (markdown) {
    console.log('');
    printMarkdown(head, rows);
  }
} finally {
  await Promise.all([...servers.values()].map((s) => stopChild(s.child)));
}
console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
