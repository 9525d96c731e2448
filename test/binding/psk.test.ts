/** TLS-PSK between our server and our client, over TLS 1.3 and TLS 1.2, on loopback. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { TLSSocket } from 'node:tls';
import { connect, createServer, type HandshakeRequest, type ServerOptions, type WebSocket, type WebSocketServer } from '../../src/ws/index.js';
import { PSK_CIPHERS, pskClientOptions, pskIdentityOf, pskServerOptions } from '../../src/binding/psk.js';
import { waitFor } from '../helpers/net.js';
import { makeTestPki } from '../helpers/tls.js';

const servers: WebSocketServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const KEY = Buffer.from('6f6e654d324d2d7465737420505348204b6b6579', 'hex');
const keys = new Map([
  ['Cae-sensor-1@example.com', KEY],
  ['Cae-other', Buffer.from('another key, another device')],
]);

interface Seen {
  identity: string | undefined;
  protocol: string | null;
  cipher: string;
}

/** An echo server that records, for each handshake, the PSK identity and the TLS parameters. */
async function pskEchoServer(tls: ServerOptions['tls'] = pskServerOptions(keys, 'onem2m-ws test')) {
  const seen: Seen[] = [];
  const errors: Error[] = [];
  const onHandshake = (request: HandshakeRequest) => {
    const socket = request.socket as TLSSocket;
    seen.push({ identity: pskIdentityOf(socket), protocol: socket.getProtocol(), cipher: socket.getCipher().name });
    return { accept: true as const };
  };
  const server = createServer({ tls, onHandshake }, (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
  server.on('handshakeError', (err) => errors.push(err));
  servers.push(server);
  const { port } = await server.listen(0);
  return { url: `wss://127.0.0.1:${port}/`, seen, errors };
}

async function echo(ws: WebSocket, text: string): Promise<string> {
  const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(Buffer.from(d).toString())));
  ws.send(text);
  return reply;
}

async function closeClient(ws: WebSocket): Promise<void> {
  ws.close();
  await once(ws, 'close');
}

test('PSK over TLS 1.3 by default: messages flow and the server knows the identity', async () => {
  const { url, seen } = await pskEchoServer();
  const ws = await connect(url, { tls: pskClientOptions('Cae-sensor-1@example.com', KEY), protocols: ['oneM2M.json'] });
  assert.equal(await echo(ws, '{"m2m:rqp":{"op":2}}'), '{"m2m:rqp":{"op":2}}');
  assert.equal(await echo(ws, 'second'), 'second');
  await closeClient(ws);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.identity, 'Cae-sensor-1@example.com');
  assert.equal(seen[0]!.protocol, 'TLSv1.3');
  assert.ok(['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'].includes(seen[0]!.cipher), seen[0]!.cipher);
});

test('PSK over TLS 1.2 with each PSK suite of the list', async () => {
  const { url, seen } = await pskEchoServer({ ...pskServerOptions(keys, 'hint'), maxVersion: 'TLSv1.2' });
  const suites12 = PSK_CIPHERS.split(':').filter((s) => !s.startsWith('TLS_'));
  for (const suite of suites12) {
    const ws = await connect(url, { tls: { ...pskClientOptions('Cae-other', keys.get('Cae-other')!), ciphers: suite } });
    assert.equal(await echo(ws, suite), suite);
    await closeClient(ws);
  }
  assert.deepEqual(
    seen.map((s) => [s.protocol, s.cipher, s.identity]),
    suites12.map((suite) => ['TLSv1.2', suite, 'Cae-other']),
  );
});

test('a TLS 1.2-only client gets a TLS 1.2 PSK suite from a default server', async () => {
  const { url, seen } = await pskEchoServer();
  const ws = await connect(url, { tls: { ...pskClientOptions('Cae-sensor-1@example.com', KEY), maxVersion: 'TLSv1.2' } });
  await closeClient(ws);
  assert.equal(seen[0]!.protocol, 'TLSv1.2');
  assert.equal(seen[0]!.cipher, 'ECDHE-PSK-CHACHA20-POLY1305');
});

test('the client receives the identity hint over TLS 1.2', async () => {
  const { url } = await pskEchoServer({ ...pskServerOptions(keys, 'registrar-hint'), maxVersion: 'TLSv1.2' });
  const hints: Array<string | null> = [];
  const options = pskClientOptions('Cae-sensor-1@example.com', KEY);
  const ws = await connect(url, {
    tls: { ...options, pskCallback: (hint) => (hints.push(hint), options.pskCallback!(hint)) },
  });
  await closeClient(ws);
  // The client offers TLS 1.3 too, so OpenSSL first asks for a key with no hint (TLS 1.3 has none),
  // then again with the hint once the server has chosen TLS 1.2.
  assert.equal(hints.at(-1), 'registrar-hint');
});

for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
  test(`${maxVersion}: a wrong key fails the TLS handshake`, async () => {
    const { url, seen, errors } = await pskEchoServer();
    const tls = { ...pskClientOptions('Cae-sensor-1@example.com', Buffer.from('not the key')), maxVersion };
    await assert.rejects(connect(url, { tls }), (err: Error & { code?: string }) => {
      assert.match(err.code ?? '', /^ERR_SSL_/, err.message);
      return true;
    });
    assert.equal(seen.length, 0, 'no WebSocket handshake took place');
    await waitFor(() => errors.length > 0, 2000, 'the server-side TLS error');
    assert.match((errors[0] as Error & { code?: string }).code ?? '', /BINDER_DOES_NOT_VERIFY|CIPHER_OPERATION_FAILED|DECRYPT|BAD_RECORD_MAC/);
  });

  test(`${maxVersion}: an unknown identity fails the TLS handshake`, async () => {
    const { url, seen, errors } = await pskEchoServer();
    const tls = { ...pskClientOptions('Cae-stranger', KEY), maxVersion };
    await assert.rejects(connect(url, { tls }), /alert/i);
    assert.equal(seen.length, 0);
    await waitFor(() => errors.length > 0, 2000, 'the server-side TLS error');
  });
}

test('keys added to the map after the server started are used', async () => {
  const live = new Map(keys);
  const { url, seen } = await pskEchoServer(pskServerOptions(live));
  const newKey = Buffer.from('provisioned later');
  await assert.rejects(connect(url, { tls: pskClientOptions('Cae-new', newKey) }));
  live.set('Cae-new', newKey);
  const ws = await connect(url, { tls: pskClientOptions('Cae-new', newKey) });
  await closeClient(ws);
  assert.equal(seen.at(-1)!.identity, 'Cae-new');
});

test('a PSK client refuses a server that authenticates with a certificate instead', async () => {
  // Even a certificate the client would trust does not prove knowledge of the key.
  const pki = makeTestPki();
  const { url, seen } = await pskEchoServer({ cert: pki.serverCert, key: pki.serverKey });
  await assert.rejects(connect(url, { tls: { ...pskClientOptions('Cae-sensor-1@example.com', KEY), ca: pki.ca } }), /certificate, not the pre-shared key/);
  assert.equal(seen.length, 0);
});

test('pskIdentityOf is undefined for sockets that did not use PSK', async () => {
  const pki = makeTestPki();
  const { url, seen } = await pskEchoServer({ cert: pki.serverCert, key: pki.serverKey });
  const ws = await connect(url, { tls: { ca: pki.ca } });
  await closeClient(ws);
  assert.equal(seen[0]!.identity, undefined);
});

test('pskClientOptions refuses an empty identity or key', () => {
  assert.throws(() => pskClientOptions('', KEY), TypeError);
  assert.throws(() => pskClientOptions('id', Buffer.alloc(0)), TypeError);
});

