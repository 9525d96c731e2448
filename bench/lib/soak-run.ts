/**
 * The soak: registrees that disconnect and reconnect at random while the registrar sends each of
 * them numbered notifications. Shared by bench/soak.ts (10 minutes by default) and
 * test/soak/soak.test.ts (about 25 s).
 *
 * - One Registrar (the minimal host CSE of load-handler.ts) with a FileStore in a temp dir (or a
 *   MemoryStore): `registrar.send` delivers over the registree's connection or buffers while it
 *   is away; buffered notifications are flushed in order when it comes back.
 * - `registrees` Registrees register once, then each one, at random (mean every `churnMs`),
 *   closes its connection and reopens it after 0..`awayMs` (associated again through
 *   X-M2M-Origin, no second registration).
 * - The sender sends `rate` notifications/s in all, to random registrees, numbered 1, 2, 3 ...
 *   per registree. A notification whose connection fails while it is in flight goes back into
 *   the registrar's store (`buffered`) and is delivered again: that is where a duplicate could
 *   come from. Should `send` still resolve with a local response (the store refused it), the
 *   notification is sent again, as an at-least-once application must. Duplicates are counted,
 *   never filtered.
 * - At the end (sending stopped, everyone reconnected, buffers drained): per registree, every
 *   number from 1 to the last one sent arrived exactly once and in order; violations are counted
 *   (lost, duplicated, out of order).
 * - Memory: heapUsed (after gc when run with --expose-gc) sampled every `sampleMs`; the slope of
 *   a least-squares line over the second half of the run (after warm-up), in bytes per minute.
 *   Registrar and registrees share this process, so this is the whole system's heap.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { writeHeapSnapshot } from 'node:v8';
import { join } from 'node:path';
import { FileStore } from '../../src/binding/store/file.js';
import { MemoryStore } from '../../src/binding/store/memory.js';
import { Registrar } from '../../src/binding/registrar.js';
import { Registree } from '../../src/binding/registree.js';
import { isLocalResponse } from '../../src/binding/endpoint.js';
import type { RequestPrimitive } from '../../src/primitives/index.js';
import { minimalCse, notification, registration } from './load-handler.js';
import { prng } from '../../test/helpers/prng.js';
import { linearFit } from './plot-svg.js';

export interface SoakOptions {
  seconds: number;
  registrees?: number;
  /** Notifications per second, in all. */
  rate?: number;
  /** Mean time between two disconnections of one registree, ms. */
  churnMs?: number;
  /** Longest time a registree stays away, ms. */
  awayMs?: number;
  store?: 'file' | 'memory';
  sampleMs?: number;
  /** Write a V8 heap snapshot (after gc) at these many seconds into the run, into `snapshotDir`. */
  snapshotsAt?: number[];
  snapshotDir?: string;
  seed?: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  seconds: number;
  registrees: number;
  sent: number;
  resent: number;
  received: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  disconnects: number;
  bufferedSends: number;
  heapSamples: Array<[number, number]>;
  /** Bytes per minute over the second half of the run. */
  heapSlopePerMinute: number;
  heapStart: number;
  heapEnd: number;
  gc: boolean;
  store: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const registreeCount = options.registrees ?? 50;
  const rate = options.rate ?? 200;
  const churnMs = options.churnMs ?? 3000;
  const awayMs = options.awayMs ?? 1500;
  const sampleMs = options.sampleMs ?? 1000;
  const random = prng(options.seed ?? 1);
  const log = options.log ?? (() => {});
  const gc = (globalThis as { gc?: () => void }).gc;
  const dir = mkdtempSync(join(tmpdir(), 'onem2m-soak-'));
  const store = options.store === 'memory' ? new MemoryStore() : await FileStore.open(dir);
  const cse = minimalCse();
  const registrar = new Registrar({ handler: cse.handler, isRegistered: cse.isRegistered, store, serializations: ['json'], server: { pingInterval: 0 } });
  const { port } = await registrar.listen(0, '127.0.0.1');
  const url = `ws://127.0.0.1:${port}/`;

  const ids = Array.from({ length: registreeCount }, (_, i) => `Csoak-${i}`);
  // Times each number was received, per registree: bytes off the JS heap, so the harness's own
  // bookkeeping does not show up in the heap slope it measures.
  const seen = ids.map(() => new ReceiptCounts());
  const order = ids.map(() => ({ last: 0, outOfOrder: 0 }));
  const nextNumber = ids.map(() => 1);
  let received = 0;
  const registrees = ids.map((_id, i) => {
    const handler = (request: RequestPrimitive) => {
      const con = (request.pc?.['m2m:sgn'] as { nev?: { rep?: { 'm2m:cin'?: { con?: string } } } } | undefined)?.nev?.rep?.['m2m:cin']?.con;
      const n = Number(String(con).split(':')[0]);
      received++;
      seen[i]!.add(n);
      if (n <= order[i]!.last) order[i]!.outOfOrder++;
      else order[i]!.last = n;
      return { rsc: 2000, rqi: request.rqi };
    };
    return new Registree({ url, proxy: null, serializations: ['json'], handler, connection: { pingInterval: 0 }, requestTimeout: 30_000 });
  });
  for (let i = 0; i < registreeCount; i++) await registrees[i]!.send(registration(ids[i]));

  let sent = 0;
  let resent = 0;
  let bufferedSends = 0;
  let disconnects = 0;
  let running = true;
  const inFlight = new Set<Promise<void>>();
  const away = new Set<number>();

  const deliver = (i: number, n: number): void => {
    const p = (async () => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const result = await registrar.send(ids[i]!, notification(ids[i]!, `soak-${i}-${n}-${attempt}`, n, Date.now()));
        if (result.status === 'buffered') bufferedSends++;
        if (result.status === 'refused') return;
        if (result.status === 'delivered' && result.response !== null && isLocalResponse(result.response)) {
          resent++;
          continue; // failed in flight: we cannot know whether it arrived; send again
        }
        return;
      }
    })().finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  // Churn: each registree drops its connection now and then and comes back later.
  const churn = async (i: number): Promise<void> => {
    while (running) {
      await sleep(random() * 2 * churnMs);
      if (!running) return;
      const endpoint = registrees[i]!.connection;
      if (endpoint === null) continue;
      away.add(i);
      disconnects++;
      endpoint.close(1000, 'soak churn');
      await sleep(random() * awayMs);
      await registrees[i]!.open().catch(() => undefined);
      away.delete(i);
    }
  };
  const churners = ids.map((_, i) => churn(i));

  // The samples go into typed arrays allocated up front, off the JS heap: a [t, bytes] array per
  // sample kept ~75 bytes of heap per second, which was the whole of the residual slope the
  // 1-hour and jitless runs measured (heap snapshot diff, docs/reliability.md).
  const maxSamples = Math.ceil((options.seconds * 1000) / sampleMs) + 16;
  const sampleTimes = new Float64Array(maxSamples);
  const sampleBytes = new Float64Array(maxSamples);
  let sampleCount = 0;
  const started = performance.now();
  const snapshotsDue = [...(options.snapshotsAt ?? [])].sort((a, b) => a - b);
  const sampler = setInterval(() => {
    gc?.();
    const t = (performance.now() - started) / 1000;
    if (sampleCount < maxSamples) {
      sampleTimes[sampleCount] = t;
      sampleBytes[sampleCount] = process.memoryUsage().heapUsed;
      sampleCount++;
    }
    if (snapshotsDue.length > 0 && t >= snapshotsDue[0]!) {
      const at = snapshotsDue.shift()!;
      log(`  heap snapshot: ${writeHeapSnapshot(join(options.snapshotDir ?? '.', `soak-${at}s.heapsnapshot`))}`);
    }
  }, sampleMs);
  let lastLog = started;
  const end = started + options.seconds * 1000;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (sent < due) {
      const i = Math.floor(random() * registreeCount);
      deliver(i, nextNumber[i]!++);
      sent++;
    }
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(`  ${((lastLog - started) / 1000).toFixed(0)} s: sent ${sent}, received ${received}, resent ${resent}, buffered ${bufferedSends}, disconnects ${disconnects}, heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(1)} MiB`);
    }
    await sleep(5);
  }
  running = false;
  clearInterval(sampler);
  await Promise.all(churners);
  for (const r of registrees) if (r.connection === null) await r.open().catch(() => undefined);
  const drainUntil = Date.now() + 30_000;
  while ((inFlight.size > 0 || ids.some((id) => store.pending(id).length > 0)) && Date.now() < drainUntil) await sleep(20);
  await sleep(200);

  let lost = 0;
  let duplicates = 0;
  for (let i = 0; i < registreeCount; i++) {
    for (let n = 1; n < nextNumber[i]!; n++) {
      const times = seen[i]!.get(n);
      if (times === 0) lost++;
      else duplicates += times - 1;
    }
  }
  const outOfOrder = order.reduce((s, o) => s + o.outOfOrder, 0) - duplicates;
  await Promise.all(registrees.map((r) => r.close()));
  await registrar.close();
  rmSync(dir, { recursive: true, force: true });
  const heapSamples = Array.from({ length: sampleCount }, (_, i): [number, number] => [sampleTimes[i]!, sampleBytes[i]!]);
  const secondHalf = heapSamples.filter(([t]) => t >= options.seconds / 2);
  return {
    seconds: options.seconds,
    registrees: registreeCount,
    sent,
    resent,
    received,
    lost,
    duplicates,
    outOfOrder: Math.max(0, outOfOrder),
    disconnects,
    bufferedSends,
    heapSamples,
    heapSlopePerMinute: linearFit(secondHalf).slope * 60,
    heapStart: heapSamples[0]?.[1] ?? 0,
    heapEnd: heapSamples[heapSamples.length - 1]?.[1] ?? 0,
    gc: gc !== undefined,
    store: options.store ?? 'file',
  };
}

/** A count (saturating at 255) per notification number, in a growable byte array. */
class ReceiptCounts {
  private counts = new Uint8Array(1024);

  add(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) return;
    if (n >= this.counts.length) {
      const grown = new Uint8Array(Math.max(n + 1, this.counts.length * 2));
      grown.set(this.counts);
      this.counts = grown;
    }
    if (this.counts[n]! < 255) this.counts[n]!++;
  }

  get(n: number): number {
    return n < this.counts.length ? this.counts[n]! : 0;
  }
}
