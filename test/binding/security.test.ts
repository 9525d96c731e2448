/** The registree through an HTTP CONNECT proxy, over mutual TLS and over TLS-PSK. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Registrar } from '../../src/binding/registrar.js';
import { Registree } from '../../src/binding/registree.js';
import { pskClientOptions, pskIdentityOf, pskServerOptions } from '../../src/binding/psk.js';
import { FakeCse, createAe, retrieve } from '../helpers/cse.js';
import { startConnectProxy } from '../helpers/connect-proxy.js';
import { makeTestPki } from '../helpers/tls.js';
import { waitFor } from '../helpers/net.js';

const closers: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

test('registree through a CONNECT proxy with Basic auth, from a configured URL and from HTTP_PROXY', async () => {
  const cse = new FakeCse();
  const registrar = new Registrar({ handler: cse.handler, isRegistered: cse.isRegistered });
  const { port } = await registrar.listen(0);
  closers.push(() => registrar.close());
  const proxy = await startConnectProxy({ auth: { user: 'dev', password: 'p@ss' } });
  closers.push(() => proxy.close());

  const ae = new Registree({ url: `ws://127.0.0.1:${port}`, proxy: proxy.url('dev', 'p@ss') });
  closers.push(() => ae.close());
  assert.equal((await ae.send(createAe()))?.rsc, 2001);
  assert.equal(proxy.seen.at(-1)?.target, `127.0.0.1:${port}`);
  assert.match(proxy.seen.at(-1)?.headers.get('proxy-authorization') ?? '', /^Basic /);

  const fromEnv = new Registree({ url: `ws://127.0.0.1:${port}`, env: { HTTP_PROXY: proxy.url('dev', 'p@ss') } });
  closers.push(() => fromEnv.close());
  const before = proxy.seen.length;
  assert.equal((await fromEnv.send(createAe()))?.rsc, 2001);
  assert.equal(proxy.seen.length, before + 1);

  const bypass = new Registree({ url: `ws://127.0.0.1:${port}`, env: { HTTP_PROXY: proxy.url('dev', 'p@ss'), NO_PROXY: '127.0.0.1' } });
  closers.push(() => bypass.close());
  assert.equal((await bypass.send(createAe()))?.rsc, 2001);
  assert.equal(proxy.seen.length, before + 1, 'NO_PROXY bypassed the proxy');

  const wrong = new Registree({ url: `ws://127.0.0.1:${port}`, proxy: proxy.url('dev', 'nope') });
  const refused = await wrong.send(createAe());
  assert.equal(refused?.rsc, 5103);
  assert.match(String(refused?.pc?.['m2m:dbg']), /407/);
});

test('wss through the proxy with mutual TLS; the registrar associates by the certificate identity', async () => {
  const pki = makeTestPki('Cae-test-client');
  const cse = new FakeCse();
  cse.registered.add('Cae-test-client');
  const registrar = new Registrar({
    handler: cse.handler,
    isRegistered: cse.isRegistered,
    server: { tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: true } },
  });
  const { port } = await registrar.listen(0);
  closers.push(() => registrar.close());
  const proxy = await startConnectProxy();
  closers.push(() => proxy.close());
  const ae = new Registree({
    url: `wss://127.0.0.1:${port}`,
    proxy: proxy.url(),
    tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey },
  });
  closers.push(() => ae.close());
  await ae.open();
  // Associated at once by the certificate's CN: no request needed.
  await waitFor(() => registrar.connectedIds().includes('Cae-test-client'));
  assert.equal((await ae.send(retrieve('Cae-test-client')))?.rsc, 2000);
  assert.equal(proxy.seen.length, 1);

  // Without a client certificate the TLS handshake fails: 5103 with the reason.
  const anonymous = new Registree({ url: `wss://127.0.0.1:${port}`, proxy: null, tls: { ca: pki.ca } });
  assert.equal((await anonymous.send(createAe()))?.rsc, 5103);
});

test('TLS-PSK on both sides; the PSK identity associates the connection', async () => {
  const keys = new Map([['CaePsk', Buffer.from('00112233445566778899aabbccddeeff', 'hex')]]);
  const cse = new FakeCse();
  cse.registered.add('CaePsk');
  const registrar = new Registrar({
    handler: cse.handler,
    isRegistered: cse.isRegistered,
    server: { tls: pskServerOptions(keys) },
    tlsIdentity: (socket) => pskIdentityOf(socket),
  });
  const { port } = await registrar.listen(0);
  closers.push(() => registrar.close());
  const ae = new Registree({ url: `wss://127.0.0.1:${port}`, proxy: null, tls: pskClientOptions('CaePsk', keys.get('CaePsk')!) });
  closers.push(() => ae.close());
  await ae.open();
  await waitFor(() => registrar.connectedIds().includes('CaePsk'));
  assert.equal((await ae.send(retrieve('CaePsk')))?.rsc, 2000);
  const wrongKey = new Registree({ url: `wss://127.0.0.1:${port}`, proxy: null, tls: pskClientOptions('CaePsk', Buffer.alloc(16, 1)) });
  assert.equal((await wrongKey.send(retrieve('CaePsk')))?.rsc, 5103);
});

test("originatorTrust 'tls': naming a registered AE is not enough without its TLS identity", async () => {
  const cse = new FakeCse();
  cse.registered.add('Cvictim');
  const registrar = new Registrar({ handler: cse.handler, isRegistered: cse.isRegistered, originatorTrust: 'tls' });
  const { port } = await registrar.listen(0);
  closers.push(() => registrar.close());
  const impostor = new Registree({ url: `ws://127.0.0.1:${port}`, proxy: null, originator: 'Cvictim' });
  closers.push(() => impostor.close());
  assert.equal((await impostor.send(retrieve('Cvictim')))?.rsc, 4103);
  assert.equal(registrar.connectedIds().length, 0);
  // Registration itself still works (and associates by its response).
  assert.equal((await impostor.send(createAe()))?.rsc, 2001);
});
