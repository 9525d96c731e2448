/**
 * permessage-deflate micro-benchmarks.
 *
 *   npx tsx bench/deflate.bench.ts            ours (sync) vs ws (async) on 1 KiB JSON, ops/s and ratio
 *   npx tsx bench/deflate.bench.ts --quick    the same, short
 *   npx tsx bench/deflate.bench.ts --memory   RSS per connection, window bits 9..15 x memLevel 1..9, and ws
 *   npx tsx bench/deflate.bench.ts --tuning   ops/s and ratio per window/memLevel/level, context reset vs close,
 *                                             compressed size by message size (for the threshold)
 *
 * One "op" is one 1 KiB JSON message compressed by one endpoint and inflated by the other.
 */

import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Benchmark from "benchmark";
import { DEFLATE_DEFAULTS, PerMessageDeflate, type DeflateOptions, type DeflateParams } from "../src/ws/protocol/deflate.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const MAX_SIZE = 1 << 20;

/** A oneM2M-like JSON request of about 1 KiB; `i` varies it as a real stream would. */
export function sampleJson(i: number, size = 1024): Buffer {
  const primitive = {
    "m2m:rqp": {
      op: 1,
      to: "/id-in/cse-base/ae-sensor-0042/container-temperature",
      fr: "Cae-sensor-0042",
      rqi: `req-${i}-${(i * 2654435761) % 100000}`,
      rvi: "3",
      ty: 4,
      pc: {
        "m2m:cin": {
          cnf: "application/json:0",
          lbl: ["building/7", "floor/3", "room/312", "sensor/temperature"],
          con: "",
        },
      },
    },
  };
  const base = JSON.stringify(primitive).length;
  const readings: string[] = [];
  for (let n = 0; readings.join(",").length < size - base - 2; n++) {
    readings.push(`{"t":${1700000000 + i * 60 + n},"v":${(20 + ((i * 7 + n * 13) % 50) / 10).toFixed(1)}}`);
  }
  primitive["m2m:rqp"].pc["m2m:cin"].con = readings.join(",");
  return Buffer.from(JSON.stringify(primitive).slice(0, size));
}

// --- ws's PerMessageDeflate (CommonJS, callback based, no public types) ---

interface WsDeflate {
  offer(): Record<string, unknown>;
  accept(configurations: unknown[]): Record<string, unknown>;
  compress(data: Buffer, fin: boolean, cb: (err: Error | null, out: Buffer) => void): void;
  decompress(data: Buffer, fin: boolean, cb: (err: Error | null, out: Buffer) => void): void;
  cleanup(): void;
}
type WsDeflateClass = new (options: Record<string, unknown>) => WsDeflate;
const require = createRequire(import.meta.url);
// ws's package exports hide lib/, so load its files by path.
const wsLib = (file: string): unknown => require(join(dirname(require.resolve("ws")), "lib", file));
const WsPerMessageDeflate = wsLib("permessage-deflate.js") as WsDeflateClass;
const wsExtension = wsLib("extension.js") as {
  parse(header: string): Record<string, unknown[]>;
  format(extensions: Record<string, unknown>): string;
};

/** A negotiated ws client/server pair, as `ws` builds it with perMessageDeflate: true. */
export function wsPair(options: Record<string, unknown> = {}): { client: WsDeflate; server: WsDeflate } {
  const client = new WsPerMessageDeflate({ ...options, threshold: 0, maxPayload: MAX_SIZE });
  const server = new WsPerMessageDeflate({ ...options, threshold: 0, isServer: true, maxPayload: MAX_SIZE });
  const offers = wsExtension.parse(wsExtension.format({ "permessage-deflate": client.offer() }));
  const accepted = server.accept(offers["permessage-deflate"]!);
  const response = wsExtension.parse(wsExtension.format({ "permessage-deflate": accepted }));
  client.accept(response["permessage-deflate"]!);
  return { client, server };
}

function ourPair(bits: number, options: DeflateOptions = {}): { client: PerMessageDeflate; server: PerMessageDeflate } {
  const params: DeflateParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: bits,
    clientMaxWindowBits: bits,
  };
  return { client: new PerMessageDeflate(params, false, options), server: new PerMessageDeflate(params, true, options) };
}

function ourRoundTrip(from: PerMessageDeflate, to: PerMessageDeflate, message: Buffer): Buffer {
  const result = to.decompress([from.compress(message)], MAX_SIZE);
  if (!result.ok) throw new Error(result.reason);
  return result.data;
}

// --- Throughput: ours vs ws ---

function runThroughput(): void {
  const messages = Array.from({ length: 64 }, (_, i) => sampleJson(i));
  let n = 0;
  const ours = ourPair(12);
  const oursLikeWs = ourPair(15, { memLevel: 8, level: -1 });
  const ws = wsPair();
  const seconds = quick ? 0.5 : 3;

  const suite = new Benchmark.Suite("permessage-deflate, 1 KiB JSON, compress + inflate");
  suite
    .add(`ours (sync, defaults: ${DEFLATE_DEFAULTS.serverMaxWindowBits} bits, memLevel ${DEFLATE_DEFAULTS.memLevel}, level ${DEFLATE_DEFAULTS.level})`, () => {
      ourRoundTrip(ours.client, ours.server, messages[n++ & 63]!);
    }, { maxTime: seconds })
    .add("ours (sync, ws's zlib settings: 15 bits, memLevel 8, level 6)", () => {
      ourRoundTrip(oursLikeWs.client, oursLikeWs.server, messages[n++ & 63]!);
    }, { maxTime: seconds })
    .add("ws PerMessageDeflate (async, defaults)", {
      defer: true,
      maxTime: seconds,
      fn(deferred: { resolve(): void }) {
        ws.client.compress(messages[n++ & 63]!, true, (err, compressed) => {
          if (err) throw err;
          ws.server.decompress(compressed, true, (err2) => {
            if (err2) throw err2;
            deferred.resolve();
          });
        });
      },
    })
    .on("cycle", (event: { target: Benchmark }) => console.log(String(event.target)))
    .on("complete", function (this: Benchmark.Suite) {
      const hz = (i: number) => (this as unknown as Benchmark[])[i]!.hz;
      console.log(`ours defaults / ws: ${(hz(0) / hz(2)).toFixed(1)}x`);
      console.log(`ours with ws's settings / ws: ${(hz(1) / hz(2)).toFixed(1)}x`);
      ws.client.cleanup();
      ws.server.cleanup();
    })
    .run();
}

// --- Memory per connection, each configuration in a fresh process ---

const CONNECTIONS = 1000;

async function memoryChild(kind: string, bits: number, memLevel: number): Promise<void> {
  const message = sampleJson(1);
  const keep: unknown[] = [];
  const collect = (globalThis as { gc?: () => void }).gc!; // --expose-gc: count what is held, not garbage
  collect();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < CONNECTIONS; i++) {
    if (kind === "ours" || kind === "ours-no-takeover") {
      // One endpoint's codec; its own deflater feeds its own inflater so both contexts are used.
      const noTakeover = kind === "ours-no-takeover";
      const pmd = new PerMessageDeflate(
        { serverNoContextTakeover: noTakeover, clientNoContextTakeover: noTakeover, serverMaxWindowBits: bits, clientMaxWindowBits: bits },
        true,
        { memLevel },
      );
      ourRoundTrip(pmd, pmd, message);
      keep.push(pmd);
    } else {
      const { client, server } = wsPair();
      // Both directions on one side: server compresses, and inflates what the client compressed.
      await new Promise<void>((resolve) => server.compress(message, true, () => resolve()));
      const fromClient = await new Promise<Buffer>((resolve) => client.compress(message, true, (_e, b) => resolve(b)));
      await new Promise<void>((resolve) => server.decompress(fromClient, true, () => resolve()));
      client.cleanup();
      keep.push(server);
    }
  }
  collect();
  const after = process.memoryUsage().rss;
  console.log(JSON.stringify({ perConnectionKiB: (after - before) / CONNECTIONS / 1024, kept: keep.length }));
}

function measureInChild(kind: string, bits: number, memLevel: number): number {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", self, "--memory-child", kind, String(bits), String(memLevel)], {
    encoding: "utf8",
  });
  if (child.status !== 0) throw new Error(child.stderr);
  return (JSON.parse(child.stdout.trim().split("\n").pop()!) as { perConnectionKiB: number }).perConnectionKiB;
}

function runMemory(): void {
  const memLevels = quick ? [1, 5, 8, 9] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
  console.log(`RSS per connection (KiB), ${CONNECTIONS} codecs, one 1 KiB JSON message each way, Node ${process.version}`);
  console.log(["bits \\ memLevel", ...memLevels].join(" | "));
  for (let bits = 9; bits <= 15; bits++) {
    const row = memLevels.map((m) => measureInChild("ours", bits, m).toFixed(1));
    console.log([bits, ...row].join(" | "));
  }
  console.log(`ours, 12 bits, memLevel 5, no_context_takeover both ways (contexts released): ${measureInChild("ours-no-takeover", 12, 5).toFixed(1)} KiB`);
  console.log(`ws PerMessageDeflate defaults (15 bits, memLevel 8), server side: ${measureInChild("ws", 15, 8).toFixed(1)} KiB`);
}

// --- Tuning: window/memLevel/level throughput and ratio, reset vs close, threshold ---

function opsPerSecond(run: () => void, ms: number): number {
  const end = performance.now() + ms;
  let ops = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) run();
    ops += 100;
  }
  return ops / (ms / 1000);
}

function runTuning(): void {
  const ms = quick ? 200 : 1000;
  const messages = Array.from({ length: 64 }, (_, i) => sampleJson(i));
  const raw = messages.reduce((s, m) => s + m.length, 0);
  console.log("bits memLevel level | compress+inflate ops/s | compressed/raw (context takeover)");
  for (const [bits, memLevel, level] of [
    [9, 1, 1], [10, 3, 1], [11, 4, 1], [12, 5, 1], [12, 5, 6], [12, 8, 1], [13, 6, 1], [15, 8, 1], [15, 8, 6],
  ] as const) {
    const { client, server } = ourPair(bits, { memLevel, level });
    let n = 0;
    const hz = opsPerSecond(() => ourRoundTrip(client, server, messages[n++ & 63]!), ms);
    const sizes = messages.reduce((s, m) => s + client.compress(m).length, 0);
    console.log(`${bits} ${memLevel} ${level} | ${hz.toFixed(0)} | ${(sizes / raw).toFixed(3)}`);
  }

  // no_context_takeover: close the context after each message (what we do) vs reset() it.
  const noTakeover: DeflateParams = {
    serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 12, clientMaxWindowBits: 12,
  };
  const closing = new PerMessageDeflate(noTakeover, true);
  let n = 0;
  const closeHz = opsPerSecond(() => ourRoundTrip(closing, closing, messages[n++ & 63]!), ms);
  const keepWithReset = ourPair(12);
  const resetHz = opsPerSecond(() => {
    ourRoundTrip(keepWithReset.client, keepWithReset.server, messages[n++ & 63]!);
    (keepWithReset.client as unknown as { deflater: { reset(): void } }).deflater.reset();
    (keepWithReset.server as unknown as { inflater: { reset(): void } }).inflater.reset();
  }, ms);
  console.log(`no_context_takeover, 12 bits: close+reopen per message ${closeHz.toFixed(0)} ops/s, reset() ${resetHz.toFixed(0)} ops/s`);

  console.log("message bytes | compressed bytes: first message / with context (defaults)");
  for (const size of [16, 32, 64, 128, 256, 512]) {
    const { client } = ourPair(12);
    const first = client.compress(sampleJson(1, size)).length;
    const next = client.compress(sampleJson(2, size)).length;
    console.log(`${size} | ${first} / ${next}`);
  }
}

const childAt = args.indexOf("--memory-child");
if (childAt >= 0) {
  await memoryChild(args[childAt + 1]!, Number(args[childAt + 2]), Number(args[childAt + 3]));
} else if (args.includes("--memory")) {
  runMemory();
} else if (args.includes("--tuning")) {
  runTuning();
} else {
  runThroughput();
}
