/**
 * The decompression bomb, end to end: one message of 10 MiB of zeros, compressed to about
 * 10 KiB, sent to our server whose maxMessageSize is 1 MiB. The server must close with 1009,
 * and its process's memory (arrayBuffers + external, and RSS) must not grow by anything like
 * the inflated size. The server runs in a child process started with --expose-gc
 * (test/helpers/deflate-bomb-server.ts) so that its measurements are its own.
 *
 * Three senders: a raw client with the bomb in one frame, a raw client with it in 16 frames,
 * and `ws` compressing 10 MiB of zeros itself.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import WsClient from 'ws';
import { Opcode } from '../../src/ws/protocol/frame.js';
import { closeCodeOf, deflateMessage, rawClient } from '../helpers/deflate-peer.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const INFLATED = 10 * MiB;

interface Memory {
  rss: number;
  external: number;
  arrayBuffers: number;
}
interface Closed {
  type: 'closed';
  code: number;
  atClose: Memory;
  afterGc: Memory;
  peakRssKiB: number;
}

let child: ChildProcess;
let port = 0;
const inbox: Array<{ type: string } & Record<string, unknown>> = [];

function next<T>(type: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise<T>((resolve, reject) => {
    const poll = (): void => {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return resolve(inbox.splice(i, 1)[0] as T);
      if (Date.now() > deadline) return reject(new Error(`no ${type} message from the server child`));
      setTimeout(poll, 5);
    };
    poll();
  });
}

before(async () => {
  child = fork(fileURLToPath(new URL('../helpers/deflate-bomb-server.ts', import.meta.url)), [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (m) => inbox.push(m as { type: string }));
  port = (await next<{ port: number }>('listening', 30_000)).port;
});

after(async () => {
  if (child.exitCode === null) {
    child.send({ type: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await once(child, 'exit');
    clearTimeout(timer);
  }
});

const growth = (a: Memory, b: Memory): number => b.arrayBuffers + b.external - (a.arrayBuffers + a.external);
const mib = (n: number): string => `${(n / MiB).toFixed(2)} MiB`;

/** Baseline after gc, with one compressed message already through (code loaded, contexts used). */
async function baseline(): Promise<{ memory: Memory; peakRssKiB: number }> {
  child.send({ type: 'baseline' });
  return next('baseline');
}

/**
 * Note: `arrayBuffers` is included in `external` (Node's definition), so their sum, which is
 * what we bound as asked, counts Buffer memory twice; `external` alone is printed too.
 */
function check(label: string, base: { memory: Memory; peakRssKiB: number }, closed: Closed, closeFrameMs?: number): void {
  const atClose = growth(base.memory, closed.atClose);
  const afterGc = growth(base.memory, closed.afterGc);
  const external = closed.atClose.external - base.memory.external;
  const peak = (closed.peakRssKiB - base.peakRssKiB) * KiB;
  const report =
    `${label}: 1009${closeFrameMs === undefined ? '' : ` (close frame ${closeFrameMs.toFixed(1)} ms after the last byte was sent)`}; ` +
    `arrayBuffers+external ${mib(atClose)} at close (external alone ${mib(external)}), ${mib(afterGc)} after gc; ` +
    `RSS ${mib(closed.atClose.rss - base.memory.rss)} at close; peak RSS ${mib(peak)} (growth, inflated size ${mib(INFLATED)})`;
  console.log(`# ${report}`);
  assert.equal(closed.code, 1009, report);
  // Inflation stops at the cap: at most the 1 MiB of output (garbage by now, counted twice in the
  // sum) plus slack, never the 10 MiB.
  assert.ok(atClose < 3 * MiB, report);
  assert.ok(external < 1.5 * MiB, report);
  assert.ok(afterGc < 1 * MiB, report);
  assert.ok(closed.atClose.rss - base.memory.rss < INFLATED / 2, report);
  assert.ok(peak < INFLATED / 2, report);
}

describe('decompression bomb against our server (maxMessageSize 1 MiB)', () => {
  // 10 MiB of zeros as one raw-deflate message with a 32 KiB window (the client offered no window bits).
  const bomb = deflateMessage(Buffer.alloc(INFLATED), { level: 9 });

  it(`the bomb is small on the wire (${bomb.length} bytes for ${INFLATED} inflated)`, () => {
    assert.ok(bomb.length < 20 * KiB);
    assert.equal(zlib.inflateRawSync(bomb, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).length, INFLATED);
  });

  for (const frames of [1, 16]) {
    it(`raw client, the bomb in ${frames} frame(s) → 1009, memory does not grow by the inflated size`, async () => {
      const raw = await rawClient(port, 'permessage-deflate');
      assert.equal(raw.headers.get('sec-websocket-extensions'), 'permessage-deflate; server_max_window_bits=12');
      // Warm up this connection's inflater with a real compressed message, then measure.
      raw.send({ opcode: Opcode.Text, rsv: 4, payload: deflateMessage(Buffer.from('{"m2m:rqp":{"op":1}}'.repeat(50))) });
      assert.equal((await next<{ length: number }>('message')).length, 1000);
      const base = await baseline();
      const size = Math.ceil(bomb.length / frames);
      for (let i = 0; i < frames; i++) {
        const piece = bomb.subarray(i * size, (i + 1) * size);
        raw.send({ opcode: i === 0 ? Opcode.Binary : Opcode.Continuation, rsv: i === 0 ? 4 : 0, fin: i === frames - 1, payload: piece });
      }
      const sent = performance.now();
      await raw.closed;
      const closeFrameMs = raw.closeFrameAt === undefined ? undefined : raw.closeFrameAt - sent;
      assert.equal(closeCodeOf(raw.frames()), 1009);
      check(`raw, ${frames} frame(s)`, base, await next<Closed>('closed'), closeFrameMs);
    });
  }

  it('ws client compressing 10 MiB of zeros itself → 1009', async () => {
    const ws = new WsClient(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { threshold: 0 }, maxPayload: 0 });
    ws.on('error', () => {});
    await once(ws, 'open');
    ws.send('{"m2m:rqp":{"op":1}}'.repeat(50));
    assert.equal((await next<{ length: number }>('message')).length, 1000);
    const base = await baseline();
    ws.send(Buffer.alloc(INFLATED));
    const [code] = (await once(ws, 'close')) as [number];
    assert.equal(code, 1009);
    check('ws client', base, await next<Closed>('closed'));
  });
});
