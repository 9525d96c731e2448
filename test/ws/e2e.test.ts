/** End to end on loopback: our client against our server over real sockets. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, HandshakeError, type WebSocket, type WebSocketServer } from '../../src/ws/index.js';
import { rawFrame } from '../helpers/frames.js';
import { rawConnection, waitFor, UPGRADE_REQUEST } from '../helpers/net.js';
import { makeTestPki } from '../helpers/tls.js';

const servers: WebSocketServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function echoServer(options: Parameters<typeof createServer>[0] = {}) {
  const server = createServer(options, (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
  servers.push(server);
  const { port } = await server.listen(0);
  return { server, port, url: `ws://127.0.0.1:${port}/` };
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data: Buffer.from(data), isBinary })));
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string; error?: Error }> {
  return new Promise((resolve) => ws.once('close', (code, reason, error) => resolve({ code, reason, error })));
}

test('echo of text and binary at the length boundaries', async () => {
  const { url } = await echoServer();
  const ws = await connect(url);
  for (const size of [0, 125, 126, 127, 65535, 65536, 1 << 20]) {
    const text = 'é'.repeat(Math.floor(size / 2)) + (size % 2 ? 'x' : '');
    const got = nextMessage(ws);
    ws.send(text);
    const m = await got;
    assert.equal(m.isBinary, false);
    assert.equal(m.data.toString(), text, `text ${size}`);
    const bin = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bin[i] = i & 0xff;
    const gotBin = nextMessage(ws);
    ws.send(bin);
    const mb = await gotBin;
    assert.equal(mb.isBinary, true);
    assert.ok(mb.data.equals(bin), `binary ${size}`);
  }
  ws.close();
  assert.equal((await closed(ws)).code, 1000);
});

test('fragmented messages, many in flight, arrive whole and in order', async () => {
  const { url } = await echoServer();
  const ws = await connect(url);
  const received: string[] = [];
  ws.on('message', (d) => received.push(d.toString()));
  for (let i = 0; i < 200; i++) ws.send(`message ${i} `.repeat(i), { fragmentSize: 7 });
  await waitFor(() => received.length === 200, 5000, 'echoes');
  for (let i = 0; i < 200; i++) assert.equal(received[i], `message ${i} `.repeat(i));
  ws.close();
  await closed(ws);
});

test('ping and pong both ways', async () => {
  let serverSide: WebSocket | undefined;
  const server = createServer({}, (ws) => (serverSide = ws));
  servers.push(server);
  const { port } = await server.listen(0);
  const ws = await connect(`ws://127.0.0.1:${port}`);
  await waitFor(() => serverSide !== undefined);
  const pong = once(ws, 'pong');
  ws.ping('from client');
  assert.equal((await pong)[0].toString(), 'from client');
  const pong2 = once(serverSide!, 'pong');
  serverSide!.ping('from server');
  assert.equal((await pong2)[0].toString(), 'from server');
  ws.close();
  await closed(ws);
});

test('close paths: client-initiated, server-initiated, with codes and reasons', async () => {
  let serverSide: WebSocket | undefined;
  const serverCloses: Array<{ code: number; reason: string }> = [];
  const server = createServer({}, (ws) => {
    serverSide = ws;
    ws.on('close', (code, reason) => serverCloses.push({ code, reason }));
  });
  servers.push(server);
  const { port } = await server.listen(0);

  const a = await connect(`ws://127.0.0.1:${port}`);
  a.close(4001, 'client done');
  const ac = await closed(a);
  assert.equal(ac.code, 4001, 'the server echoes the code');
  assert.equal(ac.error, undefined);
  await waitFor(() => serverCloses.length === 1);
  assert.deepEqual(serverCloses[0], { code: 4001, reason: 'client done' });

  serverSide = undefined;
  const b = await connect(`ws://127.0.0.1:${port}`);
  await waitFor(() => serverSide !== undefined);
  const bClosed = closed(b);
  serverSide!.close(1001, 'going away');
  const bc = await bClosed;
  assert.deepEqual({ code: bc.code, reason: bc.reason, error: bc.error }, { code: 1001, reason: 'going away', error: undefined });
  await waitFor(() => serverCloses.length === 2);
  assert.equal(b.readyState, 'closed');
});

test('a protocol violation by the client gets the close code, then TCP is closed by the server', async () => {
  const { port } = await echoServer();
  const raw = await rawConnection(port);
  raw.socket.write(UPGRADE_REQUEST);
  await waitFor(() => raw.received().includes('\r\n\r\n'));
  const headLength = raw.received().indexOf('\r\n\r\n') + 4;
  raw.socket.write(rawFrame({ opcode: 0x1, payload: 'unmasked' }));
  await raw.closed;
  const frame = raw.received().subarray(headLength);
  assert.equal(frame[0], 0x88);
  assert.equal(frame.readUInt16BE(2), 1002);
});

test('invalid UTF-8 from a client: 1007', async () => {
  const { port } = await echoServer();
  const raw = await rawConnection(port);
  raw.socket.write(UPGRADE_REQUEST);
  await waitFor(() => raw.received().includes('\r\n\r\n'));
  const headLength = raw.received().indexOf('\r\n\r\n') + 4;
  raw.socket.write(rawFrame({ opcode: 0x1, payload: Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xed, 0xa0, 0x80]), masked: true }));
  await raw.closed;
  assert.equal(raw.received().readUInt16BE(headLength + 2), 1007);
});

test('a message over maxMessageSize: 1009', async () => {
  const { url } = await echoServer({ maxMessageSize: 1000 });
  const ws = await connect(url);
  ws.send(Buffer.alloc(1001));
  const c = await closed(ws);
  assert.equal(c.code, 1009);
});

test('refused handshakes get real HTTP responses', async () => {
  const { port } = await echoServer({ headLimits: { maxHeaders: 20 } });
  const ask = async (text: string) => {
    const raw = await rawConnection(port);
    raw.socket.write(text);
    await raw.closed;
    return raw.received().toString('latin1');
  };
  const noKey = await ask(UPGRADE_REQUEST.replace(/Sec-WebSocket-Key: .*\r\n/, ''));
  assert.match(noKey, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(noKey, /Connection: close/);
  assert.match(noKey, /Sec-WebSocket-Key/);
  const v8 = await ask(UPGRADE_REQUEST.replace('Version: 13', 'Version: 8'));
  assert.match(v8, /^HTTP\/1\.1 426 /);
  assert.match(v8, /Sec-WebSocket-Version: 13\r\n/);
  const longLine = await ask(`GET /${'a'.repeat(9000)} HTTP/1.1\r\n`);
  assert.match(longLine, /^HTTP\/1\.1 414 /);
  const many = await ask(UPGRADE_REQUEST.replace('\r\n\r\n', '\r\n' + Array.from({ length: 30 }, (_, i) => `X-${i}: 1`).join('\r\n') + '\r\n\r\n'));
  assert.match(many, /^HTTP\/1\.1 431 /);
  const post = await ask(UPGRADE_REQUEST.replace('GET', 'POST'));
  assert.match(post, /^HTTP\/1\.1 405 /);
  const junk = await ask('\x16\x03\x01 not http\r\n\r\n');
  assert.match(junk, /^HTTP\/1\.1 400 /);
});

test('the handshake hook accepts with a subprotocol or refuses with a status', async () => {
  const server = createServer({
    onHandshake: (req) => {
      if (req.headers.get('x-m2m-origin') === 'Cbad') return { accept: false, status: 403, reason: 'Originator not allowed' };
      const pick = req.protocols.find((p) => p.toLowerCase() === 'onem2m.json');
      return pick === undefined ? { accept: false, status: 400, reason: 'Supported: oneM2M.json' } : { accept: true, protocol: pick };
    },
  });
  servers.push(server);
  const errors: string[] = [];
  server.on('handshakeError', (e) => errors.push(e.message));
  const { port } = await server.listen(0);
  const url = `ws://127.0.0.1:${port}`;
  const ok = await connect(url, { protocols: ['oneM2M.xml', 'oneM2M.JSON'] });
  assert.equal(ok.protocol, 'oneM2M.JSON', 'the exact token offered is echoed');
  ok.close();
  await assert.rejects(connect(url, { protocols: ['oneM2M.json'], headers: [['X-M2M-Origin', 'Cbad']] }), (e: unknown) => e instanceof HandshakeError && e.status === 403);
  await assert.rejects(connect(url, { protocols: ['other'] }), (e: unknown) => e instanceof HandshakeError && e.status === 400 && /Supported/.test(e.message));
  assert.equal(errors.length, 2);
});

test('handshake timeout: a slow client gets 408 and is closed', async () => {
  const { port } = await echoServer({ handshakeTimeout: 150 });
  const raw = await rawConnection(port);
  raw.socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
  const started = Date.now();
  await raw.closed;
  assert.ok(Date.now() - started < 2000);
  assert.match(raw.received().toString(), /^HTTP\/1\.1 408 /);
});

test('client handshake timeout against a server that never answers', async () => {
  const net = await import('node:net');
  const silent = net.createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  await assert.rejects(connect(`ws://127.0.0.1:${port}`, { handshakeTimeout: 100 }), /timed out/);
  silent.close();
});

test('keepalive: a peer that never answers pings is dropped at the pong deadline', async () => {
  const closes: Array<{ code: number; error?: Error }> = [];
  const server = createServer({ pingInterval: 50, pongTimeout: 50 }, (ws) => ws.on('close', (code, _r, error) => closes.push({ code, error })));
  servers.push(server);
  const { port } = await server.listen(0);
  const raw = await rawConnection(port); // completes the handshake, then never answers
  raw.socket.write(UPGRADE_REQUEST);
  await raw.closed;
  await waitFor(() => closes.length === 1);
  assert.match(closes[0]!.error!.message, /Keepalive/);
  // It was pinged first: the bytes after the head start with a ping frame (0x89).
  const bytes = raw.received();
  const frames = bytes.subarray(bytes.indexOf('\r\n\r\n') + 4);
  assert.equal(frames[0], 0x89);
});

test('keepalive: a live peer is kept (pongs answered automatically)', async () => {
  let serverSide: WebSocket | undefined;
  const server = createServer({ pingInterval: 30, pongTimeout: 30 }, (ws) => (serverSide = ws));
  servers.push(server);
  const { port } = await server.listen(0);
  const ws = await connect(`ws://127.0.0.1:${port}`, { pingInterval: 0 });
  let pings = 0;
  ws.on('ping', () => pings++);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(pings >= 2, `pings ${pings}`);
  assert.equal(serverSide!.readyState, 'open');
  ws.close();
  await closed(ws);
});

test('close timeout: a peer that never answers our close frame is dropped', async () => {
  let serverSide: WebSocket | undefined;
  const server = createServer({ closeTimeout: 100 }, (ws) => (serverSide = ws));
  servers.push(server);
  const { port } = await server.listen(0);
  const raw = await rawConnection(port);
  raw.socket.write(UPGRADE_REQUEST);
  await waitFor(() => serverSide !== undefined);
  const c = closed(serverSide!);
  serverSide!.close(1000);
  // The raw peer ignores the close frame but keeps the socket open: the closing handshake never
  // completes, so the close is abnormal (1006) and says why.
  const result = await c;
  assert.equal(result.code, 1006);
  assert.match(result.error!.message, /Timed out waiting/);
  await raw.closed;
});

test('backpressure: send() reports it, drain follows; a peer that never reads is dropped past the limit', async () => {
  let serverSide: WebSocket | undefined;
  const server = createServer({ highWaterMark: 64 * 1024, maxBufferedAmount: 4 * 1024 * 1024 }, (ws) => (serverSide = ws));
  servers.push(server);
  const { port } = await server.listen(0);
  const ws = await connect(`ws://127.0.0.1:${port}`);
  await waitFor(() => serverSide !== undefined);
  ws.pause(); // the client stops reading
  const chunk = Buffer.alloc(256 * 1024);
  let sawFalse = false;
  for (let i = 0; i < 4; i++) if (!serverSide!.send(chunk)) sawFalse = true;
  assert.equal(sawFalse, true);
  assert.ok(serverSide!.bufferedAmount > 64 * 1024);
  const drained = once(serverSide!, 'drain');
  ws.resume();
  await drained;
  // Now never read again and keep sending: the server drops the connection.
  ws.pause();
  const c = closed(serverSide!);
  const timer = setInterval(() => {
    if (serverSide!.readyState === 'open') serverSide!.send(chunk);
  }, 1);
  const result = await c;
  clearInterval(timer);
  assert.match(result.error!.message, /not reading/);
  ws.terminate();
});

test('frames that arrive in the same read as the handshake are not lost', async () => {
  const { port } = await echoServer();
  const raw = await rawConnection(port);
  raw.socket.write(Buffer.concat([Buffer.from(UPGRADE_REQUEST), rawFrame({ opcode: 1, payload: 'early', masked: true })]));
  await waitFor(() => raw.received().includes('early'));
  raw.socket.destroy();
});

test('answers to the messages of one read leave in one write, before the next tick', async () => {
  let writes = 0;
  let flushedInCallback = false;
  const server = createServer({}, (ws) => {
    const write = ws.socket.write.bind(ws.socket) as (chunk: Buffer) => boolean;
    (ws.socket as { write: (chunk: Buffer) => boolean }).write = (chunk) => {
      writes++;
      return write(chunk);
    };
    let lastSeen = false;
    ws.on('message', (d) => {
      ws.send(d);
      if (d.toString() === 'm9') lastSeen = true;
    });
    // A 'data' listener added after the engine's runs in the same emit, right after it, before
    // any nextTick: the write must already have happened.
    ws.socket.on('data', () => {
      if (lastSeen && !flushedInCallback) flushedInCallback = writes === 2;
    });
  });
  servers.push(server);
  const { port } = await server.listen(0);
  const raw = await rawConnection(port);
  raw.socket.write(UPGRADE_REQUEST);
  await waitFor(() => raw.received().includes('\r\n\r\n'));
  writes = 1; // the 101 response
  raw.socket.write(Buffer.concat(Array.from({ length: 10 }, (_, i) => rawFrame({ opcode: 1, payload: `m${i}`, masked: true }))));
  await waitFor(() => raw.received().includes('m9'));
  assert.equal(writes, 2, 'ten echoes, one write');
  assert.equal(flushedInCallback, true);
  raw.socket.destroy();
});

test('attaches to an existing node:http server', async () => {
  const http = createHttpServer((_req, res) => res.end('plain http'));
  const wss = createServer({}, (ws) => ws.on('message', (d) => ws.send(`echo:${d}`)));
  wss.attach(http);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  const ws = await connect(`ws://127.0.0.1:${port}/ws`, { protocols: ['oneM2M.cbor'] });
  assert.equal(ws.protocol, 'oneM2M.cbor');
  const got = nextMessage(ws);
  ws.send('hi');
  assert.equal((await got).data.toString(), 'echo:hi');
  ws.close();
  await closed(ws);
  const res = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(await res.text(), 'plain http');
  http.close();
});

test('wss with a certificate made by the test, and mutual TLS', async () => {
  const pki = makeTestPki();
  let peerName: string | undefined;
  const server = createServer(
    {
      tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: true },
      onHandshake: (req) => {
        const socket = req.socket as import('node:tls').TLSSocket;
        peerName = socket.getPeerCertificate().subject?.CN as string | undefined;
        return { accept: true };
      },
    },
    (ws) => ws.on('message', (d) => ws.send(d)),
  );
  servers.push(server);
  const tlsErrors: string[] = [];
  server.on('handshakeError', (e) => tlsErrors.push(e.message));
  const { port } = await server.listen(0);
  const url = `wss://127.0.0.1:${port}/`;
  const ws = await connect(url, { tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } });
  assert.equal(peerName, pki.clientName);
  const got = nextMessage(ws);
  ws.send('over tls');
  assert.equal((await got).data.toString(), 'over tls');
  ws.close();
  await closed(ws);
  // Without a client certificate the TLS handshake fails.
  await assert.rejects(connect(url, { tls: { ca: pki.ca } }));
  // Without the CA the client refuses the server.
  await assert.rejects(connect(url, { tls: { cert: pki.clientCert, key: pki.clientKey } }), /self-signed|unable to verify|certificate/i);
  await waitFor(() => tlsErrors.length >= 1);
});

test('server.close() closes open connections with 1001', async () => {
  const server = createServer({});
  const { port } = await server.listen(0);
  const ws = await connect(`ws://127.0.0.1:${port}`);
  const c = closed(ws);
  await server.close();
  assert.equal((await c).code, 1001);
});

test('URL handling: ws/wss only, default ports', async () => {
  const { parseWebSocketUrl } = await import('../../src/ws/client.js');
  assert.deepEqual(parseWebSocketUrl('ws://example.com'), { secure: false, hostname: 'example.com', port: 80, hostHeader: 'example.com', path: '/' });
  assert.deepEqual(parseWebSocketUrl('wss://[::1]/a?b=c'), { secure: true, hostname: '::1', port: 443, hostHeader: '[::1]', path: '/a?b=c' });
  assert.equal(parseWebSocketUrl('ws://h:8180/').port, 8180);
  assert.throws(() => parseWebSocketUrl('http://h/'), TypeError);
  assert.throws(() => parseWebSocketUrl('ws://h/#frag'), TypeError);
});

test('frames sent with the 101 response reach a listener attached after await connect()', async () => {
  const net = await import('node:net');
  const { acceptKeyFor } = await import('../../src/ws/protocol/handshake.js');
  const raw = net.createServer((socket) => {
    socket.once('data', (req) => {
      const key = /Sec-WebSocket-Key: (\S+)/i.exec(req.toString())![1]!;
      socket.write(
        Buffer.concat([
          Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKeyFor(key)}\r\n\r\n`),
          rawFrame({ opcode: 1, payload: 'first' }),
        ]),
      );
    });
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  const ws = await connect(`ws://127.0.0.1:${(raw.address() as { port: number }).port}`);
  await Promise.resolve(); // a further await before the listener, as real code has
  const m = await nextMessage(ws);
  assert.equal(m.data.toString(), 'first');
  ws.terminate();
  raw.close();
});
