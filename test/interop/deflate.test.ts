/**
 * permessage-deflate over real loopback sockets, with `ws` as the independent peer in both
 * directions (ws client → our server; our client → ws server), for every combination of the
 * two no_context_takeover flags with a covering set of window sizes (absent, 9, 12, 15), and
 * messages of 0 B .. 1 MiB, text and binary, fragmented and not, many in sequence. Then the
 * failure paths with raw peers: a declined offer, a response the client could not have asked
 * for, RSV1 where it may not be, and data that does not inflate.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import zlib from 'node:zlib';
import WsClient, { WebSocketServer as WsServer, type PerMessageDeflateOptions } from 'ws';
import { connect, createServer, type WebSocket, type WebSocketServer } from '../../src/ws/index.js';
import { checkDeflateOptions, type DeflateOptions } from '../../src/ws/protocol/deflate.js';
import { Opcode } from '../../src/ws/protocol/frame.js';
import { waitFor } from '../helpers/net.js';
import { binaryOf, closeCodeOf, deflateMessage, parseFrames, rawClient, rawExtensionServer, rawFrameServer, textOf } from '../helpers/deflate-peer.js';
import { rawFrame } from '../helpers/frames.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZES = [0, 10, KiB, 64 * KiB, MiB];
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

// ---- the message sequence ------------------------------------------------------------------

interface Message {
  data: string | Buffer;
  binary: boolean;
  /** The sender splits it into this many frames (1 = not fragmented). */
  parts: number;
}

const dataCache = new Map<string, string | Buffer>();
function data(size: number, binary: boolean, seed: number): string | Buffer {
  const key = `${size}/${binary}/${seed}`;
  let d = dataCache.get(key);
  if (d === undefined) dataCache.set(key, (d = binary ? binaryOf(size, seed) : textOf(size, seed)));
  return d;
}

/**
 * Every size, text and binary, whole and in 3 frames; again with different content (without
 * 1 MiB, to keep the run short); then 40 varied ~1 KiB texts, so that later messages lean on
 * the context of earlier ones. Large contents are shared between tests (generating and
 * compressing 1 MiB costs tens of ms); `big: false` leaves 1 MiB out altogether.
 */
function sequence(seed: number, big = true): Message[] {
  const out: Message[] = [];
  for (let round = 0; round < 2; round++) {
    for (const size of SIZES) {
      if (size === MiB && (round > 0 || !big)) continue;
      for (const binary of [false, true]) {
        for (const parts of [1, 3]) out.push({ data: data(size, binary, (size >= 64 * KiB ? 0 : seed) + round * 7 + parts), binary, parts });
      }
    }
  }
  for (let i = 0; i < 40; i++) out.push({ data: textOf(900 + ((i * 37) % 300), seed * 100 + i), binary: false, parts: i % 4 === 0 ? 2 : 1 });
  return out;
}

const bytes = (d: string | Buffer): Buffer => (typeof d === 'string' ? Buffer.from(d) : d);

function pieces(d: Buffer, parts: number): Buffer[] {
  const size = Math.ceil(d.length / parts);
  return Array.from({ length: parts }, (_, i) => d.subarray(Math.min(d.length, i * size), Math.min(d.length, (i + 1) * size)));
}

/** Our side sends a message whole or in `parts` frames (the compressed payload is what is split). */
function ourSend(ws: WebSocket, m: Message): void {
  const length = bytes(m.data).length;
  ws.send(m.data, { binary: m.binary, ...(m.parts > 1 ? { fragmentSize: Math.max(1, Math.ceil(length / (m.parts * 3))) } : {}) });
}

/** ws sends a message whole, or as `parts` frames, each compressed on its own (fin on the last). */
function wsSend(ws: WsClient, m: Message): void {
  if (m.parts === 1) {
    ws.send(m.data, { binary: m.binary });
    return;
  }
  const all = pieces(bytes(m.data), m.parts);
  all.forEach((p, i) => ws.send(p, { binary: m.binary, fin: i === all.length - 1 }));
}

// ---- echo servers --------------------------------------------------------------------------

/** Echoes every message; every second echo goes out fragmented. */
async function ourEchoServer(deflate: boolean | DeflateOptions, extra: Parameters<typeof createServer>[0] = {}): Promise<{ server: WebSocketServer; port: number }> {
  const server = createServer({ perMessageDeflate: deflate, ...extra }, (ws) => {
    let n = 0;
    ws.on('message', (d, isBinary) => ourSend(ws, { data: Buffer.from(d), binary: isBinary, parts: n++ % 2 === 1 ? 3 : 1 }));
  });
  const { port } = await server.listen(0);
  cleanups.push(() => server.close());
  return { server, port };
}

/** The `Sec-WebSocket-Extensions` value of every response a ws test server sent, in order. */
const wsServerExtensions: string[] = [];

async function wsEchoServer(perMessageDeflate: boolean | PerMessageDeflateOptions): Promise<{ server: WsServer; port: number }> {
  const server = new WsServer({ host: '127.0.0.1', port: 0, perMessageDeflate });
  await once(server, 'listening');
  // ws.extensions only lists names: record the response header's value per connection.
  server.on('headers', (headers: string[]) => {
    const line = headers.find((h) => /^sec-websocket-extensions:/i.test(h));
    wsServerExtensions.push(line === undefined ? '' : line.slice(line.indexOf(':') + 1).trim());
  });
  server.on('connection', (ws) => {
    ws.on('error', () => {});
    let n = 0;
    ws.on('message', (d: Buffer, isBinary) => wsSend(ws, { data: d, binary: isBinary, parts: n++ % 2 === 1 ? 3 : 1 }));
  });
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { server, port: (server.address() as { port: number }).port };
}

// ---- clients -------------------------------------------------------------------------------

/** A client as the exchange drives it. */
interface Peer {
  extensions: string;
  send(m: Message): void;
  /** Messages received so far. */
  received: Array<{ data: Buffer; binary: boolean }>;
  wireOut(): number;
  wireIn(): number;
  close(): Promise<number>;
}

async function wsPeer(port: number, options: PerMessageDeflateOptions | false, headers: Record<string, string> = {}): Promise<Peer> {
  const ws = new WsClient(`ws://127.0.0.1:${port}/`, { perMessageDeflate: options, headers });
  const received: Peer['received'] = [];
  ws.on('message', (d: Buffer, binary) => received.push({ data: d, binary }));
  ws.on('error', () => {});
  // ws.extensions only lists names: take the negotiated value from the response itself.
  let extensions = '';
  ws.once('upgrade', (res) => (extensions = String(res.headers['sec-websocket-extensions'] ?? '')));
  await once(ws, 'open');
  const socket = (ws as unknown as { _socket: { bytesWritten: number; bytesRead: number } })._socket;
  return {
    extensions,
    send: (m) => wsSend(ws, m),
    received,
    wireOut: () => socket.bytesWritten,
    wireIn: () => socket.bytesRead,
    close: async () => {
      ws.close(1000);
      const [code] = (await once(ws, 'close')) as [number];
      return code;
    },
  };
}

async function ourPeer(port: number, options: DeflateOptions | false): Promise<Peer> {
  const ws = await connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate: options });
  const received: Peer['received'] = [];
  ws.on('message', (d, binary) => received.push({ data: Buffer.from(d), binary }));
  return {
    extensions: ws.extensions,
    send: (m) => ourSend(ws, m),
    received,
    wireOut: () => ws.socket.bytesWritten,
    wireIn: () => ws.socket.bytesRead,
    close: async () => {
      ws.close(1000);
      const [code] = (await once(ws, 'close')) as [number];
      return code;
    },
  };
}

/** Sends all messages at once (pipelined) and checks every echo, in order. */
async function exchange(peer: Peer, messages: Message[]): Promise<void> {
  const start = peer.received.length;
  for (const m of messages) peer.send(m);
  await waitFor(() => peer.received.length >= start + messages.length, 20_000, 'echoes');
  messages.forEach((m, i) => {
    const got = peer.received[start + i]!;
    assert.equal(got.binary, m.binary, `message ${i}: type`);
    assert.ok(got.data.equals(bytes(m.data)), `message ${i}: ${bytes(m.data).length} bytes, got ${got.data.length}`);
  });
}

/**
 * Context takeover, seen on the wire: the same 2 KiB message twice. With context the second
 * costs a few bytes; without, exactly as much as the first (each direction on its own).
 */
async function wireSizes(peer: Peer, windowBits = 15): Promise<{ out: [number, number]; in: [number, number] }> {
  // The repeat must fit in the window to be found: 2 KiB, or 200 bytes for a 512-byte window.
  const m: Message = { data: textOf(windowBits >= 12 ? 2 * KiB : 200, 4242), binary: false, parts: 1 };
  const sizes = { out: [0, 0] as [number, number], in: [0, 0] as [number, number] };
  for (let i = 0; i < 2; i++) {
    // The server fragments every second echo; send a filler first so both measured echoes are whole.
    await exchange(peer, [{ data: 'filler', binary: false, parts: 1 }]);
    const [out0, in0] = [peer.wireOut(), peer.wireIn()];
    await exchange(peer, [m]);
    sizes.out[i] = peer.wireOut() - out0;
    sizes.in[i] = peer.wireIn() - in0;
  }
  return sizes;
}

function assertTakeover(what: string, [first, second]: [number, number], keepsContext: boolean): void {
  assert.ok(first > 100, `${what}: the first message is compressed but not to nothing (${first} bytes)`);
  if (keepsContext) assert.ok(second < first / 4, `${what}: context kept, second message ${second} vs ${first} bytes`);
  else assert.ok(Math.abs(second - first) <= 4, `${what}: no context, second message ${second} vs ${first} bytes`);
}

/** The negotiated parameters, as a sorted string (for comparing both sides' view). */
function paramsOf(extensions: string): string {
  const [name, ...params] = extensions.split(';').map((s) => s.trim());
  assert.equal(name, 'permessage-deflate');
  return params.sort().join('; ');
}

// ---- the parameter combinations ------------------------------------------------------------

interface WindowCase {
  name: string;
  /** ws as the client (direction A) and what our server is configured with. */
  wsClient: PerMessageDeflateOptions;
  ourServer: DeflateOptions;
  /** Our client (direction B) and the ws server's configuration. */
  ourClient: DeflateOptions;
  wsServer: PerMessageDeflateOptions;
  /** Expected negotiated windows [server, client] (15 = no bound). */
  windows: [number, number];
}

const WINDOWS: WindowCase[] = [
  {
    name: 'no window parameters (client_max_window_bits offered bare)',
    wsClient: {},
    ourServer: { serverMaxWindowBits: 15, clientMaxWindowBits: 15 },
    ourClient: { serverMaxWindowBits: 15, clientMaxWindowBits: true },
    wsServer: {},
    windows: [15, 15],
  },
  {
    name: 'client asks for 9/9',
    wsClient: { serverMaxWindowBits: 9, clientMaxWindowBits: 9 },
    ourServer: { serverMaxWindowBits: 15, clientMaxWindowBits: 15, threshold: 0 },
    ourClient: { serverMaxWindowBits: 9, clientMaxWindowBits: 9, threshold: 0 },
    wsServer: {},
    windows: [9, 9],
  },
  {
    name: 'client asks for 15/12, server bounds to 12/12 (our default)',
    wsClient: { serverMaxWindowBits: 15, clientMaxWindowBits: 12 },
    ourServer: {},
    ourClient: {},
    wsServer: { serverMaxWindowBits: 12 },
    windows: [12, 12],
  },
  {
    name: 'server imposes 9/9 on a client that asked nothing',
    wsClient: {},
    ourServer: { serverMaxWindowBits: 9, clientMaxWindowBits: 9, threshold: 0 },
    ourClient: { serverMaxWindowBits: 15, clientMaxWindowBits: true, threshold: 0 },
    wsServer: { serverMaxWindowBits: 9, clientMaxWindowBits: 9 },
    windows: [9, 9],
  },
];

const FLAGS = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

function checkNegotiated(extensions: string, snct: boolean, cnct: boolean, [s, c]: [number, number]): void {
  const params = paramsOf(extensions);
  assert.equal(params.includes('server_no_context_takeover'), snct, params);
  assert.equal(params.includes('client_no_context_takeover'), cnct, params);
  const sBits = /server_max_window_bits=(\d+)/.exec(params)?.[1];
  const cBits = /client_max_window_bits=(\d+)/.exec(params)?.[1];
  assert.equal(sBits === undefined ? 15 : Number(sBits), s, params);
  assert.equal(cBits === undefined ? 15 : Number(cBits), c, params);
}

describe('permessage-deflate interop with ws over loopback', () => {
  let seed = 1;
  for (const [wi, w] of WINDOWS.entries()) {
    for (const [fi, [snct, cnct]] of FLAGS.entries()) {
      // 1 MiB messages in a quarter of the tests (they cost ~0.3 s each), chosen so that every
      // window case and every flag pair has them in each direction.
      const bigA = (wi + fi) % 4 === 0;
      const bigB = (wi + fi) % 4 === 2;
      const bits = Math.min(...w.windows);
      const flags = { serverNoContextTakeover: snct, clientNoContextTakeover: cnct };
      const label = `${w.name}; server_no_context_takeover=${snct}, client_no_context_takeover=${cnct}`;
      const s = seed++;

      it(`ws client → our server: ${label}`, async () => {
        const { server, port } = await ourEchoServer(w.ourServer);
        let ours: WebSocket | undefined;
        server.once('connection', (ws) => (ours = ws));
        const peer = await wsPeer(port, { ...w.wsClient, ...flags, threshold: 0 });
        await waitFor(() => ours !== undefined);
        assert.equal(peer.extensions, ours!.extensions);
        checkNegotiated(peer.extensions, snct, cnct, w.windows);
        await exchange(peer, sequence(s, bigA));
        const sizes = await wireSizes(peer, bits);
        assertTakeover('ws client → our server', sizes.out, !cnct);
        assertTakeover('our server → ws client', sizes.in, !snct);
        assert.equal(await peer.close(), 1000);
      });

      it(`our client → ws server: ${label}`, async () => {
        const { port } = await wsEchoServer({ ...w.wsServer, threshold: 0 });
        const peer = await ourPeer(port, { ...w.ourClient, ...flags });
        assert.equal(peer.extensions, wsServerExtensions[wsServerExtensions.length - 1]);
        checkNegotiated(peer.extensions, snct, cnct, w.windows);
        await exchange(peer, sequence(s + 1000, bigB));
        const sizes = await wireSizes(peer, bits);
        assertTakeover('our client → ws server', sizes.out, !cnct);
        assertTakeover('ws server → our client', sizes.in, !snct);
        assert.equal(await peer.close(), 1000);
      });
    }
  }

  it('the server imposes no_context_takeover on both sides (ws server; our server)', async () => {
    const a = await wsEchoServer({ serverNoContextTakeover: true, clientNoContextTakeover: true, threshold: 0 });
    const ourClient = await ourPeer(a.port, {});
    checkNegotiated(ourClient.extensions, true, true, [12, 12]);
    await exchange(ourClient, sequence(77).slice(-20));
    let sizes = await wireSizes(ourClient);
    assertTakeover('our client', sizes.out, false);
    assertTakeover('ws server', sizes.in, false);
    await ourClient.close();

    const b = await ourEchoServer({ serverNoContextTakeover: true, clientNoContextTakeover: true });
    const wsClient = await wsPeer(b.port, { threshold: 0 });
    checkNegotiated(wsClient.extensions, true, true, [12, 12]);
    await exchange(wsClient, sequence(78).slice(-20));
    sizes = await wireSizes(wsClient);
    assertTakeover('ws client', sizes.out, false);
    assertTakeover('our server', sizes.in, false);
    await wsClient.close();
  });
});

// ---- declined negotiation -------------------------------------------------------------------

describe('declined negotiation: the connection works without compression', () => {
  const plainMessages = (): Message[] => [
    { data: textOf(5000, 1), binary: false, parts: 1 },
    { data: binaryOf(3000, 2), binary: true, parts: 3 },
  ];

  it('our server declines offers it cannot accept (invalid, unknown or repeated parameters)', async () => {
    const { port } = await ourEchoServer(true);
    for (const offer of [
      'permessage-deflate; server_max_window_bits=7',
      'permessage-deflate; client_max_window_bits=16',
      'permessage-deflate; x-unknown',
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
      'permessage-deflate; server_max_window_bits',
      'x-webkit-deflate-frame',
    ]) {
      const raw = await rawClient(port, offer);
      assert.equal(raw.status, 101, offer);
      assert.equal(raw.headers.get('sec-websocket-extensions'), undefined, offer);
      // RSV1 is now a protocol error: nothing claims it.
      raw.send({ opcode: Opcode.Text, rsv: 4, payload: deflateMessage(Buffer.from('hello')) });
      await raw.closed;
      assert.equal(closeCodeOf(raw.frames()), 1002, offer);
    }
  });

  it('our server takes the next acceptable offer after a declined one', async () => {
    const { port } = await ourEchoServer(true);
    const raw = await rawClient(port, 'permessage-deflate; x-unknown, permessage-deflate; client_max_window_bits');
    assert.equal(raw.headers.get('sec-websocket-extensions'), 'permessage-deflate; server_max_window_bits=12; client_max_window_bits=12');
    raw.socket.destroy();
  });

  it('ws client offering to our server with deflate off: no compression, messages flow', async () => {
    const { port } = await ourEchoServer(false);
    const peer = await wsPeer(port, { threshold: 0 });
    assert.equal(peer.extensions, '');
    const before = peer.wireOut();
    await exchange(peer, plainMessages());
    assert.ok(peer.wireOut() - before > 8000, 'sent uncompressed');
    assert.equal(await peer.close(), 1000);
  });

  it('ws client offering only what our server cannot accept: no compression, messages flow', async () => {
    const { port } = await ourEchoServer(true);
    const peer = await wsPeer(port, false, { 'Sec-WebSocket-Extensions': 'permessage-deflate; server_max_window_bits=16, permessage-deflate; x-unknown' });
    assert.equal(peer.extensions, '');
    const before = peer.wireOut();
    await exchange(peer, plainMessages());
    assert.ok(peer.wireOut() - before > 8000, 'sent uncompressed');
    assert.equal(await peer.close(), 1000);
  });

  it('our client offering to a ws server without deflate: no compression, messages flow', async () => {
    const { port } = await wsEchoServer(false);
    const peer = await ourPeer(port, {});
    assert.equal(peer.extensions, '');
    assert.equal(wsServerExtensions[wsServerExtensions.length - 1], '');
    const before = peer.wireOut();
    await exchange(peer, plainMessages());
    assert.ok(peer.wireOut() - before > 8000, 'sent uncompressed');
    assert.equal(await peer.close(), 1000);
  });

  it('ws refuses (400) rather than declines an offer it cannot accept; connect() rejects with that status', async () => {
    // ws with serverNoContextTakeover: false refuses an offer that asks for it. (ws behaviour, recorded.)
    const { port } = await wsEchoServer({ serverNoContextTakeover: false });
    await assert.rejects(connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { serverNoContextTakeover: true } }), (err: Error & { status?: number }) => err.status === 400);
  });

  it('ws client without deflate to our deflate server: no compression', async () => {
    const { port } = await ourEchoServer(true);
    const peer = await wsPeer(port, false);
    assert.equal(peer.extensions, '');
    await exchange(peer, plainMessages());
    assert.equal(await peer.close(), 1000);
  });
});

// ---- the client refuses a response it could not have asked for ----------------------------

describe('our client fails the handshake on an extension response it could not have asked for', () => {
  const cases: Array<[string, DeflateOptions | false]> = [
    ['permessage-deflate; server_max_window_bits=15', {}], // we asked for 12
    ['permessage-deflate; server_max_window_bits=13', { serverMaxWindowBits: 12 }],
    ['permessage-deflate; client_max_window_bits=14', {}], // we offered 12
    ['permessage-deflate; client_max_window_bits', {}], // needs a value in a response
    ['permessage-deflate; x-unknown', {}],
    ['permessage-deflate; server_no_context_takeover=1', {}],
    ['permessage-deflate; server_max_window_bits=8; server_max_window_bits=8', {}],
    ['permessage-deflate, permessage-deflate', {}],
    ['x-webkit-deflate-frame', {}],
    ['permessage-deflate', false], // not offered at all
    ['permessage-deflate; ;', {}], // not even parsable
  ];
  for (const [response, options] of cases) {
    it(`${JSON.stringify(response)} with ${JSON.stringify(options)}`, async () => {
      const raw = await rawExtensionServer(response);
      try {
        await assert.rejects(connect(`ws://127.0.0.1:${raw.port}/`, { perMessageDeflate: options, handshakeTimeout: 3000 }), (err: Error) => {
          assert.equal(err.name, 'HandshakeError', err.message);
          return true;
        });
        assert.equal(raw.offers.length, 1);
        if (options === false) assert.equal(raw.offers[0], '');
        else assert.match(raw.offers[0]!, /^permessage-deflate/);
      } finally {
        await raw.close();
      }
    });
  }

  it('accepts a valid response from the same raw server (control)', async () => {
    const raw = await rawExtensionServer('permessage-deflate; server_max_window_bits=10; client_max_window_bits=11');
    try {
      const ws = await connect(`ws://127.0.0.1:${raw.port}/`, { perMessageDeflate: true });
      assert.equal(ws.extensions, 'permessage-deflate; server_max_window_bits=10; client_max_window_bits=11');
      ws.terminate();
    } finally {
      await raw.close();
    }
  });
});

// ---- frames a peer may not send -------------------------------------------------------------

describe('RSV1 and inflate failures from a raw peer', () => {
  const OFFER = 'permessage-deflate; client_max_window_bits';
  const compressed = deflateMessage(Buffer.from('{"m2m:cin":{"con":"21.5"}}'));

  async function rawToOurServer(frames: Array<Parameters<typeof rawFrame>[0]>, serverOptions: Parameters<typeof createServer>[0] = {}): Promise<{ code: number | undefined; closeEvent: number; messages: number }> {
    const { server, port } = await ourEchoServer(true, serverOptions);
    let closeEvent = 0;
    let messages = 0;
    server.once('connection', (ws) => {
      ws.on('message', () => messages++);
      ws.once('close', (code) => (closeEvent = code));
    });
    const raw = await rawClient(port, OFFER);
    assert.match(raw.headers.get('sec-websocket-extensions') ?? '', /^permessage-deflate/);
    for (const f of frames) raw.send(f);
    await raw.closed;
    await waitFor(() => closeEvent !== 0);
    return { code: closeCodeOf(raw.frames()), closeEvent, messages };
  }

  it('a compressed message, whole and in fragments, is accepted from a raw peer; replies set RSV1 on the first frame only', async () => {
    const server = createServer({ perMessageDeflate: true }, (ws) => {
      ws.on('message', (d) => {
        got.push(d.toString());
        if (got.length === 3) {
          ws.send('short'); // below the 64-byte threshold: RSV1 clear
          ws.send(textOf(3000, 9), { fragmentSize: 200 }); // compressed, fragmented
          ws.send(textOf(3000, 10), { compress: false }); // forced uncompressed
        }
      });
    });
    const { port } = await server.listen(0);
    cleanups.push(() => server.close());
    const got: string[] = [];
    const raw = await rawClient(port, OFFER);
    raw.send({ opcode: Opcode.Text, rsv: 4, payload: compressed });
    raw.send({ opcode: Opcode.Text, rsv: 4, fin: false, payload: compressed.subarray(0, 5) });
    raw.send({ opcode: Opcode.Ping, payload: 'p' }); // a control frame between fragments
    raw.send({ opcode: Opcode.Continuation, fin: true, payload: compressed.subarray(5) });
    raw.send({ opcode: Opcode.Text, payload: 'plain' }); // RSV1 clear: not compressed
    await waitFor(() => got.length === 3);
    assert.deepEqual(got, ['{"m2m:cin":{"con":"21.5"}}', '{"m2m:cin":{"con":"21.5"}}', 'plain']);
    await waitFor(() => raw.frames().filter((f) => f.fin && f.opcode !== Opcode.Pong).length >= 3);
    const frames = raw.frames().filter((f) => f.opcode !== Opcode.Pong);
    assert.deepEqual(frames[0], { fin: true, rsv: 0, opcode: Opcode.Text, payload: Buffer.from('short') });
    const fragmented = frames.slice(1, -1);
    assert.ok(fragmented.length > 1, 'fragmented');
    assert.deepEqual(fragmented.map((f) => [f.opcode, f.rsv]), fragmented.map((_, i) => (i === 0 ? [Opcode.Text, 4] : [Opcode.Continuation, 0])));
    const inflated = zlib.inflateRawSync(Buffer.concat(fragmented.map((f) => f.payload)), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    assert.equal(inflated.toString(), textOf(3000, 9));
    assert.deepEqual([frames.at(-1)!.rsv, frames.at(-1)!.payload.toString()], [0, textOf(3000, 10)]);
    raw.socket.destroy();
  });

  for (const opcode of [Opcode.Ping, Opcode.Pong, Opcode.Close]) {
    it(`RSV1 on a control frame (opcode ${opcode}) → 1002`, async () => {
      const payload = opcode === Opcode.Close ? Buffer.from([0x03, 0xe8]) : Buffer.from('x');
      const r = await rawToOurServer([{ opcode, rsv: 4, payload }]);
      assert.equal(r.code, 1002);
      assert.equal(r.closeEvent, 1002);
    });
  }

  it('RSV1 on a continuation frame → 1002', async () => {
    const r = await rawToOurServer([
      { opcode: Opcode.Text, rsv: 4, fin: false, payload: compressed.subarray(0, 5) },
      { opcode: Opcode.Continuation, rsv: 4, fin: true, payload: compressed.subarray(5) },
    ]);
    assert.equal(r.code, 1002);
    assert.equal(r.messages, 0);
  });

  it('RSV2 or RSV3 on a data frame → 1002', async () => {
    assert.equal((await rawToOurServer([{ opcode: Opcode.Text, rsv: 2, payload: compressed }])).code, 1002);
    assert.equal((await rawToOurServer([{ opcode: Opcode.Binary, rsv: 5, payload: compressed }])).code, 1002);
  });

  it('data that does not inflate → 1007 (invalid block type; bad stored-block length; junk after BFINAL)', async () => {
    const finished = Buffer.concat([zlib.deflateRawSync(Buffer.from('done')) /* ends in a BFINAL block */, Buffer.from([0x01, 0x02, 0x03])]);
    for (const payload of [Buffer.from([0xff, 0xff, 0xff]), Buffer.from([0x00, 0x05, 0x00, 0x00, 0x00]), finished]) {
      const r = await rawToOurServer([{ opcode: Opcode.Binary, rsv: 4, payload }]);
      assert.equal(r.code, 1007, payload.toString('hex'));
      assert.equal(r.messages, 0);
    }
  });

  it('a compressed text message that inflates to invalid UTF-8 → 1007', async () => {
    const r = await rawToOurServer([{ opcode: Opcode.Text, rsv: 4, payload: deflateMessage(Buffer.from([0x61, 0xc3, 0x28])) }]);
    assert.equal(r.code, 1007);
  });

  it('a compressed message that inflates past maxMessageSize → 1009', async () => {
    const r = await rawToOurServer([{ opcode: Opcode.Binary, rsv: 4, payload: deflateMessage(Buffer.alloc(100_000)) }], { maxMessageSize: 50_000 });
    assert.equal(r.code, 1009);
  });

  it('our client fails a raw server: RSV1 on a ping → 1002; garbage compressed data → 1007', async () => {
    const cases: Array<[Buffer, number]> = [
      [rawFrame({ opcode: Opcode.Ping, rsv: 4, payload: 'x' }), 1002],
      [rawFrame({ opcode: Opcode.Binary, rsv: 4, payload: Buffer.from([0xff, 0xff]) }), 1007],
      [Buffer.concat([rawFrame({ opcode: Opcode.Text, rsv: 4, fin: false, payload: compressed.subarray(0, 4) }), rawFrame({ opcode: Opcode.Continuation, rsv: 4, payload: compressed.subarray(4) })]), 1002],
    ];
    for (const [frame, expected] of cases) {
      const raw = await rawFrameServer('permessage-deflate; server_max_window_bits=12; client_max_window_bits=12', [frame]);
      try {
        const ws = await connect(`ws://127.0.0.1:${raw.port}/`, { perMessageDeflate: true });
        const [code] = (await once(ws, 'close')) as [number];
        assert.equal(code, expected);
        assert.equal(closeCodeOf(parseFrames(raw.received())), expected);
      } finally {
        await raw.close();
      }
    }
  });
});

// ---- configuration errors --------------------------------------------------------------------

describe('invalid DeflateOptions', () => {
  const invalid: DeflateOptions[] = [
    { serverMaxWindowBits: 99 },
    { serverMaxWindowBits: 7 },
    { clientMaxWindowBits: 16 },
    { clientMaxWindowBits: 12.5 },
    { memLevel: 42 },
    { memLevel: 0 },
    { level: 10 },
    { threshold: -1 },
    { threshold: Number.NaN },
  ];

  it('checkDeflateOptions throws a RangeError for each', () => {
    for (const options of invalid) assert.throws(() => checkDeflateOptions(options), RangeError, JSON.stringify(options));
    for (const options of [{}, { serverMaxWindowBits: 8, clientMaxWindowBits: true as const, memLevel: 9, level: -1, threshold: 0 }]) checkDeflateOptions(options);
  });

  // Once a bug: the options were checked only inside the first handshake offering compression,
  // an unhandled rejection that ended the process.
  it('createServer() throws at once on invalid options instead of failing in a peer handshake', () => {
    for (const options of invalid) assert.throws(() => createServer({ perMessageDeflate: options }), RangeError, JSON.stringify(options));
  });

  it('connect() fails on invalid window bits before connecting', async () => {
    for (const options of invalid.slice(0, 4)) {
      await assert.rejects(async () => connect('ws://127.0.0.1:9/', { perMessageDeflate: options }), RangeError, JSON.stringify(options));
    }
  });

  it('connect() fails on invalid memLevel, level or threshold before connecting', async () => {
    for (const options of invalid.slice(4)) {
      await assert.rejects(async () => connect('ws://127.0.0.1:9/', { perMessageDeflate: options }), RangeError, JSON.stringify(options));
    }
  });
});
