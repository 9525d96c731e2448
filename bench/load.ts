/**
 * Load: N registrees against one registrar process, ours (src/binding Registrar) vs a minimal
 * `ws` baseline speaking the same oneM2M JSON, in the same run; optionally the `floor`, a server
 * with next to no JavaScript (bench/lib/floor-server.ts), as the bound no server can pass here.
 *
 *   npx tsx bench/load.ts [--clients 1000] [--procs P] [--client lean|registree] [--rate 4000]
 *                         [--seconds 10] [--depth 2 | --depth 1,2,4,8,16] [--fanouts 5]
 *                         [--impl ours,ws[,floor]] [--sequential] [--out report.json] [--quick] [--markdown]
 *
 * For each implementation: a server process (node --expose-gc; bench/lib/load-server.ts) and P
 * client processes (default one per 5,000 registrees) open N connections and register. All
 * implementations are up at once and each phase runs for each of them in turn (interleaved, so
 * that drift of a shared machine falls on all alike); `--sequential` runs one after the other. The
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
const sequential = process.argv.includes('--sequential');

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

type Memory = { rss: number; heapUsed: number; external: number };
type RoundTrips = { sent: number; ok: number; latencies: number[]; cpu: number };

/** One implementation under load: its server process and its client processes. */
class Run {
  readonly children: ChildProcess[] = [];
  registered = 0;
  registrationFailures = 0;
  connectSeconds = 0;
  memoryPerConnection: Memory = { rss: 0, heapUsed: 0, external: 0 };
  rr: ImplResult['rr'] | undefined;
  readonly sweep: Saturation[] = [];
  readonly deliverAllMs: number[] = [];
  delivered = 0;
  private fanCpuSeconds = 0;
  private fanWallSeconds = 0;

  private constructor(readonly impl: Impl, readonly server: ChildProcess) {}

  /** Starts the server and the clients; every registree connected and registered. */
  static async start(impl: Impl): Promise<Run> {
    const server = forkTs('bench/lib/load-server.ts', [impl], ['--expose-gc', ...(process.env.LOAD_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.LOAD_PROF}`] : [])]);
    const run = new Run(impl, server);
    const { port } = await expect<{ port: number }>(server, 'listening', 60_000);
    const before = await run.memory();
    const t0 = performance.now();
    const per = Math.ceil(clients / procs);
    for (let p = 0; p < procs; p++) {
      const n = Math.min(per, clients - p * per);
      if (n > 0) run.children.push(forkTs(clientFile, [`ws://127.0.0.1:${port}/`, String(n), `${impl}${p}`]));
    }
    const ready = await Promise.all(run.children.map((c) => expect<{ count: number; failed: number }>(c, 'ready', 600_000)));
    run.connectSeconds = (performance.now() - t0) / 1000;
    run.registrationFailures = ready.reduce((sum, r) => sum + r.failed, 0);
    server.send({ type: 'count' });
    run.registered = (await expect<{ registered: number }>(server, 'count')).registered;
    const after = await run.memory();
    const n = Math.max(1, run.registered);
    run.memoryPerConnection = { rss: (after.rss - before.rss) / n, heapUsed: (after.heapUsed - before.heapUsed) / n, external: (after.external - before.external) / n };
    console.log(`  ${impl}: ${run.registered} registered in ${run.connectSeconds.toFixed(1)} s (${run.registrationFailures} failed)`);
    return run;
  }

  private async memory(): Promise<Memory> {
    this.server.send({ type: 'memory' });
    return expect<Memory>(this.server, 'memory');
  }

  private async cpu(): Promise<number> {
    this.server.send({ type: 'cpu' });
    const c = await expect<{ user: number; system: number }>(this.server, 'cpu');
    return (c.user + c.system) / 1e6;
  }

  /** Round trips on every client process at once; server CPU per wall second. */
  private async roundTrips(message: Record<string, unknown>, phaseSeconds: number): Promise<{ results: RoundTrips[]; wall: number; serverCpu: number }> {
    const c0 = await this.cpu();
    const w0 = performance.now();
    for (const c of this.children) c.send({ type: 'rr', ...message });
    const results = await Promise.all(this.children.map((c) => expect<RoundTrips>(c, 'rr', (phaseSeconds + 60) * 1000)));
    const wall = (performance.now() - w0) / 1000;
    return { results, wall, serverCpu: ((await this.cpu()) - c0) / wall };
  }

  /** (a) Open loop at --rate. */
  async offeredRate(): Promise<void> {
    const { results, wall, serverCpu } = await this.roundTrips({ seconds, rate: rate / this.children.length }, seconds);
    const ok = results.reduce((sum, r) => sum + r.ok, 0);
    this.rr = {
      targetRate: rate,
      sent: results.reduce((sum, r) => sum + r.sent, 0),
      ok,
      achieved: ok / seconds,
      latencyMs: percentiles(results.flatMap((r) => r.latencies)),
      serverCpu,
      clientCpu: results.reduce((sum, r) => sum + r.cpu, 0) / wall,
    };
  }

  /** (a2) Saturation: `depth` requests in flight per registree, the next one sent as each answer arrives. */
  async saturate(depth: number): Promise<void> {
    const { results, wall, serverCpu } = await this.roundTrips({ seconds: satSeconds, rate: 1e7, maxOutstanding: Math.ceil((depth * clients) / this.children.length) }, satSeconds);
    const ok = results.reduce((sum, r) => sum + r.ok, 0);
    this.sweep.push({ depth, maxRate: ok / satSeconds, latencyMs: percentiles(results.flatMap((r) => r.latencies)), serverCpu, clientCpu: results.reduce((sum, r) => sum + r.cpu, 0) / wall });
    if (depths.length > 1) console.log(`  ${this.impl}: depth ${depth}: ${fmtNum(ok / satSeconds)} rr/s`);
  }

  /** (b) One notification to every registered AE, waiting for every answer. */
  async fanout(seq: number): Promise<void> {
    const c0 = await this.cpu();
    const w0 = performance.now();
    this.server.send({ type: 'fanout', seq });
    const f = await expect<{ ms: number; ok: number; total: number }>(this.server, 'fanout');
    this.fanWallSeconds += (performance.now() - w0) / 1000;
    this.fanCpuSeconds += (await this.cpu()) - c0;
    this.deliverAllMs.push(f.ms);
    this.delivered += f.ok;
  }

  async result(): Promise<ImplResult> {
    for (const c of this.children) c.send({ type: 'notes' });
    const notes = (await Promise.all(this.children.map((c) => expect<{ latencies: number[] }>(c, 'notes')))).flatMap((x) => x.latencies);
    const sortedAll = [...this.deliverAllMs].sort((x, y) => x - y);
    return {
      impl: this.impl,
      connections: this.registered,
      registrationFailures: this.registrationFailures,
      connectSeconds: this.connectSeconds,
      memoryPerConnection: this.memoryPerConnection,
      rr: this.rr!,
      saturation: this.sweep[0]!,
      sweep: this.sweep,
      fanout: {
        count: this.deliverAllMs.length,
        deliverAllMs: this.deliverAllMs,
        deliverAllMedianMs: sortedAll[Math.floor(sortedAll.length / 2)] ?? NaN,
        delivered: this.delivered,
        expected: this.deliverAllMs.length * this.registered,
        latencyMs: percentiles(notes),
        serverCpu: this.fanCpuSeconds / Math.max(this.fanWallSeconds, 1e-3),
      },
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => stopChild(c, 10_000)));
    await stopChild(this.server);
  }
}

/**
 * Runs every phase for every implementation. Interleaved (the default): all servers are up at
 * once (idle ones cost nothing) and each phase runs for each implementation in turn, so slow
 * drift of a shared machine falls on all of them alike; `--sequential`: one implementation
 * after the other, as in the first session's runs.
 */
async function runAll(): Promise<ImplResult[]> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const results: ImplResult[] = [];
  const groups = sequential ? impls.map((impl) => [impl]) : [impls];
  for (const group of groups) {
    const runs: Run[] = [];
    try {
      for (const impl of group) runs.push(await Run.start(impl));
      for (const run of runs) await run.offeredRate();
      for (const depth of depths) for (const run of runs) await run.saturate(depth);
      for (let k = 0; k < fanouts; k++) {
        for (const run of runs) {
          await run.fanout(k);
          await sleep(200);
        }
      }
      for (const run of runs) results.push(await run.result());
    } finally {
      await Promise.all(runs.map((r) => r.stop()));
    }
  }
  return results;
}

console.log(`\n== load: ${clients} registrees (${clientKind} clients) in ${procs} client process(es); round trips at ${rate}/s for ${seconds} s, saturation with ${depths.join(', ')} in flight per registree; ${fanouts} fan-outs; ${sequential ? 'one implementation after the other' : 'phases interleaved'}; ours (${bindingSource}) vs ws ${wsVersion}; node ${process.version} ==`);
const started = Date.now();
const results = await runAll();

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
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, engine: bindingSource, ws: wsVersion, options: { clients, client: clientKind, procs, rate, seconds, depths, fanouts, interleaved: !sequential }, results, ratios }, null, 2));
  console.log(`report: ${out}`);
}
console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
