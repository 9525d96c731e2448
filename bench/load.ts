/**
 * Load: N registrees against one registrar process, ours (src/binding Registrar) vs a minimal
 * `ws` baseline speaking the same oneM2M JSON, in the same run; optionally the `floor`, a server
 * with next to no JavaScript (bench/lib/floor-server.ts), as the bound no server can pass here.
 *
 *   npx tsx bench/load.ts [--clients 1000] [--procs P] [--client lean|registree] [--rate 4000]
 *                         [--seconds 10] [--depth 2 | --depth 1,2,4,8,16] [--fanouts 5]
 *                         [--impl ours,ws[,floor]] [--out report.json] [--quick] [--markdown]
 *
 * For each implementation: a server process (node --expose-gc; bench/lib/load-server.ts) and P
 * client processes (default one per 5,000 registrees) open N connections and register. The
 * clients are the same for every server: `lean` (default; bench/lib/lean-client.ts, raw sockets
 * that cost a fraction of a server's CPU per message, so that on one machine the server is what
 * saturates) or `registree` (bench/lib/load-client.ts, our full Registree). Then
 *   (a) request/response round trips (retrieve → 2000) at --rate requests/s in total, open loop,
 *       for --seconds: achieved throughput, latency p50/p90/p99/max (from when each was due);
 *   (a2) saturation for --seconds/2 per depth: `depth` requests in flight per registree, the
 *       next one sent as each answer arrives: the maximum throughput and its latency. A list of
 *       depths prints a sweep table (pipelining is where batching writes pays);
 *   (b) --fanouts times, one notification from the server to all N (registrar.send to each id;
 *       the baseline ws.send to each socket), waiting for all N responses: time to deliver to all
 *       (answered), and per-notification latency from the start of the fan-out to receipt.
 * Server memory per connection: RSS and V8 heap after gc, after registration minus before any
 * connection, / N. CPU: CPU time / wall time of each phase (100% = one core), for the server
 * and for all client processes together.
 * 20,000 registrees: `--clients 20000 --procs 4`; each connection takes a descriptor in the
 * server, so `ulimit -n` must exceed N plus the ~25 the server needs for itself.
 * `--quick`: 200 registrees, 2 s at 1,000/s, 2 fan-outs. `LOAD_PROF=DIR` writes a CPU profile of
 * each server process into DIR (`--cpu-prof`).
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { flagValue, fmtNum, fmtRatio, forkTs, nextMessage, printMarkdown, printTable, quick, stopChild } from './lib/common.js';
import { bindingSource } from './lib/load-engine.js';
import { wsVersion } from './lib/ws-internals.js';

const clients = Number(flagValue('clients', quick ? '200' : '1000'));
const procs = Number(flagValue('procs', String(Math.max(1, Math.ceil(clients / 5000)))));
const rate = Number(flagValue('rate', quick ? '1000' : '4000'));
const seconds = Number(flagValue('seconds', quick ? '2' : '10'));
const satSeconds = Math.max(1, Math.round(seconds / 2));
const fanouts = Number(flagValue('fanouts', quick ? '2' : '5'));
/** Requests in flight per registree in the saturation phase; a list runs one phase per depth. */
const depths = flagValue('depth', '2').split(',').map(Number);
const clientKind = flagValue('client', 'lean') === 'registree' ? 'registree' : 'lean';
const clientFile = clientKind === 'lean' ? 'bench/lib/lean-client.ts' : 'bench/lib/load-client.ts';
const impls = flagValue('impl', 'ours,ws').split(',') as Impl[];
const out = flagValue('out', '');
const markdown = process.argv.includes('--markdown');

type Impl = 'ours' | 'ws' | 'floor';
type Msg = { type?: string } & Record<string, unknown>;
const expect = <T>(child: ChildProcess, type: string, timeoutMs = 120_000): Promise<T> =>
  nextMessage(child, (m) => ((m as Msg).type === type ? (m as T) : undefined), timeoutMs);

function percentiles(values: number[]): { p50: number; p90: number; p99: number; max: number; n: number } {
  const s = Float64Array.from(values).sort();
  const at = (q: number): number => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s.length === 0 ? NaN : s[s.length - 1]!, n: s.length };
}

interface Saturation {
  depth: number;
  maxRate: number;
  latencyMs: ReturnType<typeof percentiles>;
  serverCpu: number;
  clientCpu: number;
}

interface ImplResult {
  impl: string;
  connections: number;
  registrationFailures: number;
  connectSeconds: number;
  memoryPerConnection: { rss: number; heapUsed: number; external: number };
  rr: { targetRate: number; sent: number; ok: number; achieved: number; latencyMs: ReturnType<typeof percentiles>; serverCpu: number; clientCpu: number };
  /** The first depth of --depth (the table's columns). */
  saturation: Saturation;
  /** One entry per depth of --depth. */
  sweep: Saturation[];
  fanout: { count: number; deliverAllMs: number[]; deliverAllMedianMs: number; delivered: number; expected: number; latencyMs: ReturnType<typeof percentiles>; serverCpu: number };
}

async function cpu(server: ChildProcess): Promise<number> {
  server.send({ type: 'cpu' });
  const c = await expect<{ user: number; system: number }>(server, 'cpu');
  return (c.user + c.system) / 1e6;
}

async function runImpl(impl: Impl): Promise<ImplResult> {
  const server = forkTs('bench/lib/load-server.ts', [impl], ['--expose-gc', ...(process.env.LOAD_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.LOAD_PROF}`] : [])]);
  const children: ChildProcess[] = [];
  try {
    const { port } = await expect<{ port: number }>(server, 'listening', 60_000);
    server.send({ type: 'memory' });
    const before = await expect<{ rss: number; heapUsed: number; external: number }>(server, 'memory');
    const t0 = performance.now();
    const per = Math.ceil(clients / procs);
    for (let p = 0; p < procs; p++) {
      const n = Math.min(per, clients - p * per);
      if (n > 0) children.push(forkTs(clientFile, [`ws://127.0.0.1:${port}/`, String(n), `${impl}${p}`]));
    }
    const ready = await Promise.all(children.map((c) => expect<{ count: number; failed: number }>(c, 'ready', 600_000)));
    const connectSeconds = (performance.now() - t0) / 1000;
    const registrationFailures = ready.reduce((s, r) => s + r.failed, 0);
    server.send({ type: 'count' });
    const { registered } = await expect<{ registered: number }>(server, 'count');
    server.send({ type: 'memory' });
    const after = await expect<{ rss: number; heapUsed: number; external: number }>(server, 'memory');
    const n = Math.max(1, registered);
    console.log(`  ${impl}: ${registered} registered in ${connectSeconds.toFixed(1)} s (${registrationFailures} failed)`);

    // (a) round trips
    let c0 = await cpu(server);
    let w0 = performance.now();
    for (const c of children) c.send({ type: 'rr', seconds, rate: rate / children.length });
    const rr = await Promise.all(children.map((c) => expect<{ sent: number; ok: number; latencies: number[]; cpu: number }>(c, 'rr', (seconds + 60) * 1000)));
    const rrWall = (performance.now() - w0) / 1000;
    const rrCpu = ((await cpu(server)) - c0) / rrWall;
    const latencies = rr.flatMap((r) => r.latencies);
    const sent = rr.reduce((s, r) => s + r.sent, 0);
    const ok = rr.reduce((s, r) => s + r.ok, 0);

    // (a2) saturation: as fast as the server answers, `depth` requests in flight per registree.
    const sweep: Saturation[] = [];
    for (const depth of depths) {
      c0 = await cpu(server);
      w0 = performance.now();
      for (const c of children) c.send({ type: 'rr', seconds: satSeconds, rate: 1e7, maxOutstanding: Math.ceil((depth * clients) / children.length) });
      const sat = await Promise.all(children.map((c) => expect<{ sent: number; ok: number; latencies: number[]; cpu: number }>(c, 'rr', (satSeconds + 60) * 1000)));
      const satWall = (performance.now() - w0) / 1000;
      const satCpu = ((await cpu(server)) - c0) / satWall;
      const satOk = sat.reduce((s, r) => s + r.ok, 0);
      sweep.push({
        depth,
        maxRate: satOk / satSeconds,
        latencyMs: percentiles(sat.flatMap((r) => r.latencies)),
        serverCpu: satCpu,
        clientCpu: sat.reduce((s, r) => s + r.cpu, 0) / satWall,
      });
      if (depths.length > 1) console.log(`  ${impl}: depth ${depth}: ${fmtNum(satOk / satSeconds)} rr/s`);
    }

    // (b) fan-out
    const deliverAllMs: number[] = [];
    let delivered = 0;
    c0 = await cpu(server);
    let fanWall = 0;
    for (let k = 0; k < fanouts; k++) {
      w0 = performance.now();
      server.send({ type: 'fanout', seq: k });
      const f = await expect<{ ms: number; ok: number; total: number }>(server, 'fanout');
      fanWall += (performance.now() - w0) / 1000;
      deliverAllMs.push(f.ms);
      delivered += f.ok;
      await new Promise((r) => setTimeout(r, 200));
    }
    const fanCpu = ((await cpu(server)) - c0) / Math.max(fanWall, 1e-3);
    for (const c of children) c.send({ type: 'notes' });
    const notes = (await Promise.all(children.map((c) => expect<{ latencies: number[] }>(c, 'notes')))).flatMap((x) => x.latencies);
    const sortedAll = [...deliverAllMs].sort((a, b) => a - b);
    return {
      impl,
      connections: registered,
      registrationFailures,
      connectSeconds,
      memoryPerConnection: { rss: (after.rss - before.rss) / n, heapUsed: (after.heapUsed - before.heapUsed) / n, external: (after.external - before.external) / n },
      rr: { targetRate: rate, sent, ok, achieved: ok / seconds, latencyMs: percentiles(latencies), serverCpu: rrCpu, clientCpu: rr.reduce((s, r) => s + r.cpu, 0) / rrWall },
      saturation: sweep[0]!,
      sweep,
      fanout: { count: fanouts, deliverAllMs, deliverAllMedianMs: sortedAll[Math.floor(sortedAll.length / 2)] ?? NaN, delivered, expected: fanouts * registered, latencyMs: percentiles(notes), serverCpu: fanCpu },
    };
  } finally {
    await Promise.all(children.map((c) => stopChild(c, 10_000)));
    await stopChild(server);
  }
}

console.log(`\n== load: ${clients} registrees (${clientKind} clients) in ${procs} client process(es); round trips at ${rate}/s for ${seconds} s, saturation with ${depths.join(', ')} in flight per registree; ${fanouts} fan-outs; ours (${bindingSource}) vs ws ${wsVersion}; node ${process.version} ==`);
const started = Date.now();
const results: ImplResult[] = [];
for (const impl of impls) results.push(await runImpl(impl));

const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : '-');
const head = ['impl', 'conns', 'rr/s achieved', 'rr p50 ms', 'p90', 'p99', 'max', 'srv cpu rr', 'max rr/s', 'sat p99 ms', 'srv cpu sat', 'clients cpu sat', 'fan-out all ms (median)', 'notif p50 ms', 'p99', 'max', 'delivered', 'srv cpu fan', 'RSS B/conn', 'heap B/conn'];
const rows = results.map((r) => [
  r.impl,
  String(r.connections),
  fmtNum(r.rr.achieved),
  ms(r.rr.latencyMs.p50),
  ms(r.rr.latencyMs.p90),
  ms(r.rr.latencyMs.p99),
  ms(r.rr.latencyMs.max),
  `${Math.round(r.rr.serverCpu * 100)}%`,
  fmtNum(r.saturation.maxRate),
  ms(r.saturation.latencyMs.p99),
  `${Math.round(r.saturation.serverCpu * 100)}%`,
  `${Math.round(r.saturation.clientCpu * 100)}%`,
  ms(r.fanout.deliverAllMedianMs),
  ms(r.fanout.latencyMs.p50),
  ms(r.fanout.latencyMs.p99),
  ms(r.fanout.latencyMs.max),
  `${r.fanout.delivered}/${r.fanout.expected}`,
  `${Math.round(r.fanout.serverCpu * 100)}%`,
  fmtNum(r.memoryPerConnection.rss),
  fmtNum(r.memoryPerConnection.heapUsed),
]);
console.log('');
printTable(head, rows);
const ours = results.find((r) => r.impl === 'ours');
const ws = results.find((r) => r.impl === 'ws');
let ratios: Record<string, number> | undefined;
if (ours !== undefined && ws !== undefined) {
  ratios = {
    throughputOursOverWs: ours.rr.achieved / ws.rr.achieved,
    maxThroughputOursOverWs: ours.saturation.maxRate / ws.saturation.maxRate,
    p99WsOverOurs: ws.rr.latencyMs.p99 / ours.rr.latencyMs.p99,
    fanoutSpeedupWsTimeOverOurs: ws.fanout.deliverAllMedianMs / ours.fanout.deliverAllMedianMs,
    rssPerConnOursOverWs: ours.memoryPerConnection.rss / ws.memoryPerConnection.rss,
    heapPerConnOursOverWs: ours.memoryPerConnection.heapUsed / ws.memoryPerConnection.heapUsed,
  };
  console.log(
    `\nratios: max throughput ours/ws ${fmtRatio(ratios.maxThroughputOursOverWs!)}, offered-rate throughput ours/ws ${fmtRatio(ratios.throughputOursOverWs!)}, ` +
      `p99 ws/ours ${fmtRatio(ratios.p99WsOverOurs!)}, fan-out to all ws time/ours time ${fmtRatio(ratios.fanoutSpeedupWsTimeOverOurs!)}, ` +
      `RSS/conn ours/ws ${fmtRatio(ratios.rssPerConnOursOverWs!)}, heap/conn ours/ws ${fmtRatio(ratios.heapPerConnOursOverWs!)}`,
  );
}
const floor = results.find((r) => r.impl === 'floor');
if (floor !== undefined && ws !== undefined) {
  // The floor (bench/lib/floor-server.ts) is the ceiling of any server here: what it cannot do
  // better than ws, no server can.
  ratios = { ...ratios, floorMaxThroughputOverWs: floor.saturation.maxRate / ws.saturation.maxRate, floorFanoutSpeedupWsTimeOverFloor: ws.fanout.deliverAllMedianMs / floor.fanout.deliverAllMedianMs };
  console.log(`floor (no-JS lower bound): max throughput floor/ws ${fmtRatio(ratios.floorMaxThroughputOverWs!)}, fan-out ws time/floor time ${fmtRatio(ratios.floorFanoutSpeedupWsTimeOverFloor!)}`);
}
if (depths.length > 1) {
  // Saturated throughput by pipelining depth, each implementation against ws.
  const wsAt = (d: number): Saturation | undefined => ws?.sweep.find((x) => x.depth === d);
  const sweepHead = ['depth', ...results.flatMap((r) => [`${r.impl} rr/s`, `${r.impl} p99 ms`, `${r.impl} srv cpu`]), ...results.filter((r) => r.impl !== 'ws').map((r) => `${r.impl}/ws`)];
  const sweepRows = depths.map((d) => [
    String(d),
    ...results.flatMap((r) => {
      const x = r.sweep.find((y) => y.depth === d)!;
      return [fmtNum(x.maxRate), ms(x.latencyMs.p99), `${Math.round(x.serverCpu * 100)}%`];
    }),
    ...results.filter((r) => r.impl !== 'ws').map((r) => {
      const w = wsAt(d);
      return w === undefined ? '-' : fmtRatio(r.sweep.find((y) => y.depth === d)!.maxRate / w.maxRate);
    }),
  ]);
  console.log('');
  printTable(sweepHead, sweepRows);
  if (markdown) {
    console.log('');
    printMarkdown(sweepHead, sweepRows);
  }
}
if (markdown) {
  console.log('');
  printMarkdown(head, rows);
}
if (out !== '') {
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, engine: bindingSource, ws: wsVersion, options: { clients, client: clientKind, procs, rate, seconds, depths, fanouts }, results, ratios }, null, 2));
  console.log(`report: ${out}`);
}
console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
