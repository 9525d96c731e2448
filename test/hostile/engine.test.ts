/**
 * Hostile peers against our WebSocket server (src/ws/server.ts) on real loopback sockets, each
 * while a well-behaved client sends a message every 20 ms and times the echoes: it must get
 * every echo, promptly, during every attack.
 *
 * - slow loris: handshakes trickled a byte at a time are answered 408 and closed at the
 *   (configured, short) handshake timeout;
 * - a peer that never reads: while it asks for echoes, the server stops reading from it (its
 *   output stays near the high-water mark); when the server pushes to it unasked, the
 *   connection is dropped once more than maxBufferedAmount waits;
 * - ping flood from a peer that does not read: pongs do not pile up (output bounded);
 * - tiny-fragment flood: 1008 past maxFragments, nothing held beyond the limits;
 * - decompression bomb: 1009.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { Opcode } from '../../src/ws/protocol/frame.js';
import { closeCodeOf, deflateMessage, rawClient } from '../helpers/deflate-peer.js';
import { rawFrame } from '../helpers/frames.js';
import { UPGRADE_REQUEST } from '../helpers/net.js';
import { HOSTILE_LIMITS, echoServer, goodClient, sleep, type EchoServer } from './helpers.js';

let srv: EchoServer;
before(async () => {
  srv = await echoServer();
});
after(async () => {
  await srv.close();
});

function assertServed(stats: Awaited<ReturnType<Awaited<ReturnType<typeof goodClient>>['stop']>>, label: string): void {
  assert.ok(stats.sent >= 5, `${label}: the good client sent only ${stats.sent}`);
  assert.equal(stats.received, stats.sent, `${label}: ${stats.sent - stats.received} echoes missing`);
  // A starvation bound, not a performance figure: generous, since CI runs this under coverage
  // instrumentation next to other test files (a 13 MB ping flood once delayed an echo 1.2 s).
  assert.ok(stats.maxLatencyMs < 5000, `${label}: slowest echo ${stats.maxLatencyMs.toFixed(0)} ms`);
}

test('slow loris: trickled handshakes get 408 at the handshake timeout, others are served', async () => {
  const good = await goodClient(srv.port);
  const started = performance.now();
  const lorises = await Promise.all(
    Array.from({ length: 50 }, async () => {
      const socket = netConnect({ host: '127.0.0.1', port: srv.port });
      socket.on('error', () => {});
      const chunks: Buffer[] = [];
      socket.on('data', (c) => chunks.push(c));
      const closed = once(socket, 'close').then(() => performance.now() - started);
      await once(socket, 'connect');
      let i = 0;
      const trickle = setInterval(() => {
        if (i < UPGRADE_REQUEST.length - 4 && !socket.destroyed) socket.write(UPGRADE_REQUEST[i++]!);
      }, 50);
      const closedAfter = await Promise.race([closed, sleep(5000).then(() => -1)]);
      clearInterval(trickle);
      socket.destroy();
      return { closedAfter, response: Buffer.concat(chunks).toString('latin1') };
    }),
  );
  const stats = await good.stop();
  for (const l of lorises) {
    assert.ok(l.closedAfter > 0, 'a slow-loris connection was never closed');
    assert.ok(l.closedAfter >= HOSTILE_LIMITS.handshakeTimeout - 50 && l.closedAfter < HOSTILE_LIMITS.handshakeTimeout + 1500, `closed after ${l.closedAfter.toFixed(0)} ms`);
    assert.match(l.response, /^HTTP\/1\.1 408 /);
  }
  assertServed(stats, 'slow loris');
});

test('a reader that never reads: reading is paused while it asks for echoes; pushed output is dropped past maxBufferedAmount', async () => {
  const good = await goodClient(srv.port);
  // (a) It asks for 64 KiB echoes and never reads them.
  const before = srv.conns.length;
  const asker = await rawClient(srv.port);
  asker.socket.pause();
  const big = Buffer.alloc(64 * 1024, 0x41);
  const frame = rawFrame({ opcode: Opcode.Binary, payload: big, masked: true });
  for (let i = 0; i < 200; i++) asker.socket.write(frame); // 12.8 MiB offered
  await sleep(1500);
  const askerConn = srv.conns[before]!;
  // Output stays near the high-water mark: the server stopped reading (TCP pushes back).
  assert.ok(askerConn.maxBuffered <= HOSTILE_LIMITS.highWaterMark + big.length + 64, `server buffered ${askerConn.maxBuffered} B for a peer that does not read`);
  assert.ok(askerConn.ws.bufferedAmount <= HOSTILE_LIMITS.maxBufferedAmount);
  asker.socket.destroy();

  // (b) The server pushes to it unasked (a fan-out), ignoring send()'s false: dropped past the limit.
  const pushed = await rawClient(srv.port);
  pushed.socket.pause();
  await sleep(50);
  const pushedConn = srv.conns[srv.conns.length - 1]!;
  let maxSeen = 0;
  for (let i = 0; i < 400 && pushedConn.ws.readyState === 'open'; i++) {
    pushedConn.ws.send(big);
    maxSeen = Math.max(maxSeen, pushedConn.ws.bufferedAmount);
    if (i % 8 === 7) await sleep(5);
  }
  await Promise.race([once(pushedConn.ws, 'close'), sleep(3000)]);
  assert.notEqual(pushedConn.ws.readyState, 'open', 'a peer leaving 25 MiB unread was not dropped');
  assert.ok(pushedConn.closed?.error !== undefined, 'dropped without an error');
  assert.ok(maxSeen <= HOSTILE_LIMITS.maxBufferedAmount + 2 * big.length, `bufferedAmount reached ${maxSeen}`);
  pushed.socket.destroy();
  assertServed(await good.stop(), 'never reads');
});

test('ping flood from a peer that does not read: pongs do not pile up', async () => {
  const good = await goodClient(srv.port);
  const before = srv.conns.length;
  const flooder = await rawClient(srv.port);
  flooder.socket.pause();
  const ping = rawFrame({ opcode: Opcode.Ping, payload: Buffer.alloc(125, 0x70), masked: true });
  const burst = Buffer.concat(Array.from({ length: 1000 }, () => ping));
  let maxBuffered = 0;
  const conn = () => srv.conns[before]!;
  for (let i = 0; i < 100 && !flooder.socket.destroyed; i++) {
    flooder.socket.write(burst); // 100,000 pings, 13.4 MB
    if (i % 10 === 9) await sleep(10);
    if (srv.conns.length > before) maxBuffered = Math.max(maxBuffered, conn().ws.bufferedAmount, conn().ws.socket.writableLength);
  }
  await sleep(300);
  maxBuffered = Math.max(maxBuffered, conn().ws.bufferedAmount, conn().ws.socket.writableLength);
  // Pongs answered while the peer read nothing are bounded by the high-water mark (then held, one pending).
  // The check happens per flush, so one read's worth of pongs can go out above the mark (one
  // read of 1,000 pings gives 127,000 B of pongs); after that they are held (one pending).
  assert.ok(maxBuffered <= HOSTILE_LIMITS.highWaterMark + 256 * 1024, `server output reached ${maxBuffered} B`);
  // Now it reads: it gets at most as many pongs as pings, far fewer than sent.
  flooder.socket.resume();
  await sleep(300);
  await sleep(200);
  const pongs = flooder.frames().filter((f) => f.opcode === Opcode.Pong).length;
  assert.ok(pongs > 0 && pongs < 100_000, `${pongs} pongs`);
  flooder.socket.destroy();
  assertServed(await good.stop(), 'ping flood');
});

test('tiny-fragment flood: 1008 past maxFragments', async () => {
  const good = await goodClient(srv.port);
  const flooder = await rawClient(srv.port);
  const parts: Buffer[] = [rawFrame({ opcode: Opcode.Text, fin: false, payload: 'a', masked: true })];
  for (let i = 0; i < 20_000; i++) parts.push(rawFrame({ opcode: Opcode.Continuation, fin: false, payload: 'a', masked: true }));
  flooder.socket.write(Buffer.concat(parts));
  await Promise.race([flooder.closed, sleep(3000)]);
  assert.equal(closeCodeOf(flooder.frames()), 1008);
  await sleep(500);
  assertServed(await good.stop(), 'fragment flood');
});

test('decompression bomb: 1009, others served', async () => {
  const good = await goodClient(srv.port);
  const bomber = await rawClient(srv.port, 'permessage-deflate');
  assert.match(bomber.headers.get('sec-websocket-extensions') ?? '', /permessage-deflate/);
  const bomb = deflateMessage(Buffer.alloc(64 * 1024 * 1024)); // 64 MiB of zeros, ~64 KiB on the wire
  bomber.send({ opcode: Opcode.Binary, rsv: 4, payload: bomb });
  await Promise.race([bomber.closed, sleep(3000)]);
  assert.equal(closeCodeOf(bomber.frames()), 1009);
  await sleep(500);
  assertServed(await good.stop(), 'bomb');
});
