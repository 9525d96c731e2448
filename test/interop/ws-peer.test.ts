/**
 * Interop with `ws` (an independent implementation) as the peer, in both directions:
 * our server with a `ws` client, and our client with a `ws` server.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpsServer } from 'node:https';
import WsClient, { WebSocketServer as WsServer } from 'ws';
import { connect, createServer, type WebSocket, type WebSocketServer } from '../../src/ws/index.js';
import { waitFor } from '../helpers/net.js';
import { makeTestPki } from '../helpers/tls.js';

const SIZES = [0, 125, 126, 127, 65535, 65536, 1 << 20];
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups) await c();
});

function pattern(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31) & 0xff;
  return b;
}
function text(size: number): string {
  return 'aé€'.repeat(Math.ceil(size / 6)).slice(0, Math.floor(size / 2));
}

async function ourEchoServer(options: Parameters<typeof createServer>[0] = {}): Promise<{ server: WebSocketServer; port: number }> {
  const server = createServer(options, (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
  const { port } = await server.listen(0);
  cleanups.push(() => server.close());
  return { server, port };
}

async function wsEchoServer(): Promise<{ server: WsServer; port: number }> {
  const server = new WsServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  server.on('connection', (ws) => {
    ws.on('error', () => {}); // ws reports our deliberate violations as errors
    ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary }));
  });
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { server, port: (server.address() as { port: number }).port };
}

function wsNext(ws: WsClient): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })));
}
function ourNext(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data: Buffer.from(data), isBinary })));
}

test('ws client → our server: text and binary of every boundary size', async () => {
  const { port } = await ourEchoServer();
  const ws = new WsClient(`ws://127.0.0.1:${port}/`, ['oneM2M.json']);
  await once(ws, 'open');
  assert.equal(ws.protocol, 'oneM2M.json');
  for (const size of SIZES) {
    const t = text(size);
    let got = wsNext(ws);
    ws.send(t);
    let m = await got;
    assert.equal(m.isBinary, false);
    assert.equal(m.data.toString(), t, `text ${size}`);
    const b = pattern(size);
    got = wsNext(ws);
    ws.send(b);
    m = await got;
    assert.equal(m.isBinary, true);
    assert.ok(m.data.equals(b), `binary ${size}`);
  }
  ws.close(1000, 'done');
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  assert.equal(code, 1000);
  assert.equal(reason.toString(), '');
});

test('our client → ws server: text and binary of every boundary size', async () => {
  const { port } = await wsEchoServer();
  const ws = await connect(`ws://127.0.0.1:${port}/`);
  for (const size of SIZES) {
    const t = text(size);
    let got = ourNext(ws);
    ws.send(t);
    let m = await got;
    assert.equal(m.isBinary, false);
    assert.equal(m.data.toString(), t, `text ${size}`);
    const b = pattern(size);
    got = ourNext(ws);
    ws.send(b);
    m = await got;
    assert.equal(m.isBinary, true);
    assert.ok(m.data.equals(b), `binary ${size}`);
  }
  ws.close(1000);
  const [code] = await once(ws, 'close');
  assert.equal(code, 1000);
});

test('fragmented messages both ways', async () => {
  // ws sends fragments with { fin: false } sends; ours with fragmentSize.
  const { port } = await ourEchoServer();
  const ws = new WsClient(`ws://127.0.0.1:${port}/`);
  await once(ws, 'open');
  const got = wsNext(ws);
  ws.send('frag-', { fin: false });
  ws.ping('mid');
  ws.send('ment-', { fin: false });
  ws.send('ed', { fin: true });
  assert.equal((await got).data.toString(), 'frag-ment-ed');
  ws.close();

  const peer = await wsEchoServer();
  const ours = await connect(`ws://127.0.0.1:${peer.port}/`);
  const big = pattern(300_000);
  const got2 = ourNext(ours);
  ours.send(big, { binary: true, fragmentSize: 1000 });
  assert.ok((await got2).data.equals(big));
  const got3 = ourNext(ours);
  ours.send('a fragmented text message €€€', { fragmentSize: 3 });
  assert.equal((await got3).data.toString(), 'a fragmented text message €€€');
  ours.close();
});

test('ping and pong both ways', async () => {
  let serverWs: WebSocket | undefined;
  const server = createServer({}, (ws) => (serverWs = ws));
  const { port } = await server.listen(0);
  cleanups.push(() => server.close());
  const ws = new WsClient(`ws://127.0.0.1:${port}/`);
  await once(ws, 'open');
  const pong = once(ws, 'pong');
  ws.ping('hello');
  assert.equal(((await pong)[0] as Buffer).toString(), 'hello');
  await waitFor(() => serverWs !== undefined);
  const wsPing = once(ws, 'ping');
  const ourPong = once(serverWs!, 'pong');
  serverWs!.ping('back');
  assert.equal(((await wsPing)[0] as Buffer).toString(), 'back');
  assert.equal(((await ourPong)[0] as Buffer).toString(), 'back', 'ws auto-pongs');
  ws.terminate();

  const peer = new WsServer({ host: '127.0.0.1', port: 0 });
  await once(peer, 'listening');
  cleanups.push(() => new Promise<void>((r) => peer.close(() => r())));
  let peerSide: WsClient | undefined;
  peer.on('connection', (s) => (peerSide = s));
  const ours = await connect(`ws://127.0.0.1:${(peer.address() as { port: number }).port}/`);
  await waitFor(() => peerSide !== undefined);
  const autoPong = once(peerSide!, 'pong');
  peerSide!.ping('to ours');
  assert.equal(((await autoPong)[0] as Buffer).toString(), 'to ours', 'we auto-pong');
  const ourPong2 = once(ours, 'pong');
  ours.ping('from ours');
  assert.equal((await ourPong2)[0].toString(), 'from ours');
  ours.close();
});

test('every close path with ws as the peer', async () => {
  // 1. ws client closes our server's connection.
  const serverCloses: Array<[number, string]> = [];
  let serverWs: WebSocket | undefined;
  const server = createServer({}, (ws) => {
    serverWs = ws;
    ws.on('close', (c, r) => serverCloses.push([c, r]));
  });
  const { port } = await server.listen(0);
  cleanups.push(() => server.close());
  const a = new WsClient(`ws://127.0.0.1:${port}/`);
  await once(a, 'open');
  a.close(4000, 'bye from ws');
  const [codeA] = await once(a, 'close');
  assert.equal(codeA, 4000);
  await waitFor(() => serverCloses.length === 1);
  assert.deepEqual(serverCloses[0], [4000, 'bye from ws']);

  // 2. our server closes a ws client.
  serverWs = undefined;
  const b = new WsClient(`ws://127.0.0.1:${port}/`);
  await once(b, 'open');
  await waitFor(() => serverWs !== undefined);
  const bClose = once(b, 'close');
  serverWs!.close(1001, 'going away');
  const [codeB, reasonB] = (await bClose) as [number, Buffer];
  assert.equal(codeB, 1001);
  assert.equal(reasonB.toString(), 'going away');

  // 3. a close without a status code.
  const c = new WsClient(`ws://127.0.0.1:${port}/`);
  await once(c, 'open');
  c.close();
  const [codeC] = await once(c, 'close');
  assert.equal(codeC, 1005);
  await waitFor(() => serverCloses.length === 3);
  assert.equal(serverCloses[2]![0], 1005);

  // 4. our client closes a ws server's connection; 5. a ws server closes ours.
  const peer = new WsServer({ host: '127.0.0.1', port: 0 });
  await once(peer, 'listening');
  cleanups.push(() => new Promise<void>((r) => peer.close(() => r())));
  const peerCloses: Array<[number, string]> = [];
  let peerSide: WsClient | undefined;
  peer.on('connection', (s) => {
    peerSide = s;
    s.on('close', (code, reason) => peerCloses.push([code, reason.toString()]));
  });
  const peerUrl = `ws://127.0.0.1:${(peer.address() as { port: number }).port}/`;
  const d = await connect(peerUrl);
  d.close(3001, 'ours closing');
  const [codeD, , errD] = await once(d, 'close');
  assert.equal(codeD, 3001);
  assert.equal(errD, undefined, 'clean close');
  await waitFor(() => peerCloses.length === 1);
  assert.deepEqual(peerCloses[0], [3001, 'ours closing']);

  peerSide = undefined;
  const e = await connect(peerUrl);
  await waitFor(() => peerSide !== undefined);
  const eClose = once(e, 'close');
  peerSide!.close(1000, 'ws closing');
  const [codeE, reasonE, errE] = await eClose;
  assert.deepEqual([codeE, reasonE, errE], [1000, 'ws closing', undefined]);

  // 6. the ws peer drops TCP without a close frame: 1006.
  peerSide = undefined;
  const f = await connect(peerUrl);
  await waitFor(() => peerSide !== undefined);
  const fClose = once(f, 'close');
  peerSide!.terminate();
  const [codeF, , errF] = await fClose;
  assert.equal(codeF, 1006);
  assert.ok(errF instanceof Error);
});

test('ws sees our protocol-error close codes (a message over our limit: 1009)', async () => {
  const { port } = await ourEchoServer({ maxMessageSize: 100 });
  const ws = new WsClient(`ws://127.0.0.1:${port}/`);
  await once(ws, 'open');
  ws.send(Buffer.alloc(101));
  const [code] = await once(ws, 'close');
  assert.equal(code, 1009);
});

test('we see ws close codes for our violations (invalid UTF-8 text: 1007)', async () => {
  // Send invalid UTF-8 in a text frame by encoding raw bytes; ws must fail us with 1007.
  const { port } = await wsEchoServer();
  const ours = await connect(`ws://127.0.0.1:${port}/`);
  const closed = once(ours, 'close');
  ours.send(Buffer.from([0xff, 0xfe]), { binary: false });
  const [code] = await closed;
  assert.equal(code, 1007);
});

test('wss both ways with a certificate made by the test', async () => {
  const pki = makeTestPki();
  // ws client → our wss server.
  const { port } = await ourEchoServer({ tls: { cert: pki.serverCert, key: pki.serverKey } });
  const ws = new WsClient(`wss://127.0.0.1:${port}/`, { ca: pki.ca });
  await once(ws, 'open');
  const got = wsNext(ws);
  ws.send('secure hello');
  assert.equal((await got).data.toString(), 'secure hello');
  ws.close();

  // Our client → a ws server on node:https (mutual TLS).
  const https = createHttpsServer({ cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: true });
  const peer = new WsServer({ server: https });
  peer.on('connection', (s) => s.on('message', (d, b) => s.send(d, { binary: b })));
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => https.close(() => r())));
  const ours = await connect(`wss://127.0.0.1:${(https.address() as { port: number }).port}/`, {
    tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey },
  });
  const got2 = ourNext(ours);
  ours.send(pattern(100_000));
  assert.ok((await got2).data.equals(pattern(100_000)));
  ours.close();
  await once(ours, 'close');
});
