/**
 * Memory per idle connection on the server, ours vs `ws`.
 *
 *   npx tsx bench/memory.bench.ts [--quick] [--connections N] [--markdown]
 *
 * The server (bench/lib/echo-server.ts, default options: keepalive on) runs in its own process
 * started with --expose-gc; the clients (bench/lib/idle-clients.ts, the same implementation as
 * the server) in another. The server is warmed up with 100 connections that are then closed;
 * then its RSS, V8 heap and ArrayBuffer memory are read after full GCs, N connections
 * (default 5,000) are opened and left idle, and the same figures are read again. The
 * difference divided by N is the cost of one idle connection.
 *
 * `net` is a plain TCP server with the same number of idle sockets: the floor that Node's own
 * `net.Socket` (streams, libuv handle) sets for any engine built on it. The last column compares
 * what each engine adds on top of that floor.
 */
import type { ChildProcess } from 'node:child_process';
import { flagValue, fmtNum, fmtRatio, forkTs, header, nextMessage, printMarkdown, printTable, sleep, stopChild } from './lib/common.js';
import { engineSource } from './lib/engine.js';
import { wsVersion } from './lib/ws-internals.js';

type Impl = 'ours' | 'ws' | 'net';
const N = Number(flagValue('connections', '5000'));
const markdown = process.argv.includes('--markdown');

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  connections: number;
}

async function memory(server: ChildProcess): Promise<Memory> {
  server.send({ type: 'memory' });
  return nextMessage(server, (m) => ((m as { type?: string }).type === 'memory' ? (m as Memory) : undefined), 30_000);
}

async function openClients(port: number, impl: Impl, count: number): Promise<ChildProcess> {
  const clients = forkTs('bench/lib/idle-clients.ts', [impl, String(port), String(count)]);
  const opened = await nextMessage(clients, (m) => ((m as { type?: string }).type === 'open' ? (m as { count: number; failed: number; ms: number }) : undefined), 120_000);
  if (opened.failed > 0 || opened.count !== count) throw new Error(`${impl}: ${opened.failed} of ${count} connections failed`);
  return clients;
}

async function waitForConnections(server: ChildProcess, count: number): Promise<Memory> {
  const until = Date.now() + 10_000;
  let m = await memory(server);
  while (m.connections !== count && Date.now() < until) {
    await sleep(200);
    m = await memory(server);
  }
  return m;
}

interface Result {
  before: Memory;
  after: Memory;
}

async function measure(impl: Impl): Promise<Result> {
  const server = forkTs('bench/lib/echo-server.ts', [impl], ['--expose-gc']);
  const children: ChildProcess[] = [server];
  try {
    const port = await nextMessage(server, (m) => ((m as { type?: string }).type === 'listening' ? (m as { port: number }).port : undefined), 30_000);
    // Warm-up: code paths compiled, pools allocated.
    const warm = await openClients(port, impl, 100);
    children.push(warm);
    await stopChild(warm);
    await waitForConnections(server, 0);
    const before = await memory(server);
    const clients = await openClients(port, impl, N);
    children.push(clients);
    await sleep(500);
    const after = await waitForConnections(server, N);
    if (after.connections !== N) throw new Error(`${impl}: server counts ${after.connections} connections, expected ${N}`);
    return { before, after };
  } finally {
    for (const child of children.reverse()) await stopChild(child);
  }
}

header(`memory per idle connection: ours (${engineSource}) vs ws ${wsVersion}, ${N.toLocaleString('en-US')} connections`);
const started = Date.now();
const results = new Map<Impl, Result>();
for (const impl of ['ours', 'ws', 'net'] as const) results.set(impl, await measure(impl));

const per = (impl: Impl, key: keyof Memory): number => {
  const r = results.get(impl)!;
  return (r.after[key] - r.before[key]) / N;
};
const rows: string[][] = [];
const sum = (impl: Impl, keys: Array<keyof Memory>): number => keys.reduce((a, k) => a + per(impl, k), 0);
for (const [label, keys] of [
  ['RSS', ['rss']],
  ['V8 heap used', ['heapUsed']],
  ['external (ArrayBuffers etc.)', ['external']],
  ['heap + external', ['heapUsed', 'external']],
] as Array<[string, Array<keyof Memory>]>) {
  const o = sum('ours', keys);
  const w = sum('ws', keys);
  const n = sum('net', keys);
  rows.push([label, `${fmtNum(o)} B`, `${fmtNum(w)} B`, `${fmtNum(n)} B`, fmtRatio(o / w), fmtRatio((o - n) / (w - n))]);
}
const head = ['per idle connection', 'ours', 'ws', 'net (floor)', 'ours/ws', 'above floor ours/ws'];
printTable(head, rows);
if (markdown) {
  console.log('');
  printMarkdown(head, rows);
}
for (const [impl, r] of results) {
  console.log(
    `  ${impl}: RSS ${(r.before.rss / 2 ** 20).toFixed(1)} -> ${(r.after.rss / 2 ** 20).toFixed(1)} MiB, heap ${(r.before.heapUsed / 2 ** 20).toFixed(1)} -> ${(r.after.heapUsed / 2 ** 20).toFixed(1)} MiB`,
  );
}
console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
