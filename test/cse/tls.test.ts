/** The CSE's wss:// listener: server certificates, client certificates and TLS-PSK. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { pskClientOptions } from '../../src/binding/index.js';
import { makeTestPki } from '../helpers/tls.js';
import { Cleanup, client, cse } from './helpers.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

test('wss:// with a client certificate, and TLS-PSK, on the same listener', async () => {
  const pki = makeTestPki();
  const psk = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
  const started = await cse(cleanup, {
    tls: { port: 0, cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true },
    pskIdentities: new Map([['Cpsk-device', psk]]),
  });
  const wss = started.urls.find((u) => u.startsWith('wss://'));
  assert.ok(wss, `a wss:// pointOfAccess: ${started.urls.join(' ')}`);

  const withCert = client(cleanup, wss, { tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } });
  const reg = await withCert.send({ op: 1, to: 'cse-in', fr: 'C', ty: 2, rvi: '3', pc: { 'm2m:ae': { api: 'Ntls', rr: true, srv: ['3'] } } });
  assert.equal(reg.rsc, 2001, JSON.stringify(reg));
  const cb = await withCert.send({ op: 2, to: 'cse-in', fr: (reg.pc?.['m2m:ae'] as { aei: string }).aei, rvi: '3' });
  assert.deepEqual((cb.pc?.['m2m:cb'] as { poa: string[] }).poa, started.urls);

  const withPsk = client(cleanup, wss, { tls: pskClientOptions('Cpsk-device', psk) });
  const pskReg = await withPsk.send({ op: 1, to: 'cse-in', fr: 'C', ty: 2, rvi: '3', pc: { 'm2m:ae': { api: 'Npsk', rr: true, srv: ['3'] } } });
  assert.equal(pskReg.rsc, 2001, JSON.stringify(pskReg));

  const wrongKey = client(cleanup, wss, { tls: pskClientOptions('Cpsk-device', Buffer.alloc(16, 7)) });
  assert.equal((await wrongKey.send({ op: 2, to: 'cse-in', fr: 'Cx', rvi: '3' })).rsc, 5103);
});

test("originatorTrust 'tls': X-M2M-Origin CAdmin is not the admin without a matching TLS identity", async () => {
  const started = await cse(cleanup, { originatorTrust: 'tls' });
  const impostor = client(cleanup, started.urls[0]!, { originator: 'CAdmin' });
  const r = await impostor.send({ op: 2, to: 'cse-in', fr: 'CAdmin', rvi: '3' });
  assert.equal(r.rsc, 4103, JSON.stringify(r));
});
