/** Registrar and registree end to end on loopback: gating, association, routing, buffering. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WsClient, { WebSocketServer as WsServer } from 'ws';
import { Registrar, type RegistrarOptions } from '../../src/binding/registrar.js';
import { Registree } from '../../src/binding/registree.js';
import { FileStore } from '../../src/binding/store/file.js';
import { MemoryStore } from '../../src/binding/store/memory.js';
import type { RequestPrimitive, ResponsePrimitive } from '../../src/primitives/index.js';
import { FakeCse, createAe, notify, retrieve, rqi } from '../helpers/cse.js';
import { waitFor } from '../helpers/net.js';

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

async function startRegistrar(extra: Partial<RegistrarOptions> = {}) {
  const cse = new FakeCse();
  const registrar = new Registrar({ handler: cse.handler, isRegistered: cse.isRegistered, ...extra });
  const { port } = await registrar.listen(0);
  closers.push(() => registrar.close());
  return { cse, registrar, url: `ws://127.0.0.1:${port}/` };
}

function registree(url: string, extra: Partial<ConstructorParameters<typeof Registree>[0]> = {}) {
  const r = new Registree({ url, proxy: null, ...extra });
  closers.push(() => r.close());
  return r;
}

/** The `con` of the contentInstance a notification (test helper `notify`) carries. */
function con(req: RequestPrimitive): string {
  return String((req.pc?.['m2m:sgn'] as { nev?: { rep?: { 'm2m:cin'?: { con?: string } } } })?.nev?.rep?.['m2m:cin']?.con);
}

test('subprotocol negotiation: exact echo, Release-2 names, 400 listing supported names', async () => {
  const { url } = await startRegistrar({ serializations: ['json', 'cbor'] });
  const a = new WsClient(url, ['chat', 'oneM2M.R2.0.JSON', 'oneM2M.cbor']);
  await once(a, 'open');
  assert.equal(a.protocol, 'oneM2M.R2.0.JSON');
  a.close();
  const b = new WsClient(url, ['oneM2M.xml']);
  b.on('error', () => {});
  const [, res] = (await once(b, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
  assert.equal(res.statusCode, 400);
  let body = '';
  for await (const chunk of res) body += chunk;
  assert.match(body, /oneM2M\.json, oneM2M\.cbor, oneM2M\.R2\.0\.json, oneM2M\.R2\.0\.cbor/);
  b.terminate();
});

test('a plain ws client speaking oneM2M.json: registration first, 4103 before it', async () => {
  const { cse, url } = await startRegistrar();
  const ws = new WsClient(url, ['oneM2M.json']);
  await once(ws, 'open');
  const ask = async (p: RequestPrimitive): Promise<ResponsePrimitive> => {
    const reply = once(ws, 'message');
    ws.send(JSON.stringify(p));
    return JSON.parse(((await reply)[0] as Buffer).toString());
  };
  const denied = await ask(retrieve('Cnobody'));
  assert.equal(denied.rsc, 4103);
  assert.equal(cse.handled.length, 0, 'the host never saw it');
  const reg = await ask(createAe());
  assert.equal(reg.rsc, 2001);
  const aei = (reg.pc?.['m2m:ae'] as { aei: string }).aei;
  const ok = await ask(retrieve(aei));
  assert.equal(ok.rsc, 2000);
  // On an AE's connection, another originator is refused.
  const spoof = await ask(retrieve('Cother'));
  assert.equal(spoof.rsc, 4103);
  // SP-relative form of the same AE-ID is fine.
  assert.equal((await ask(retrieve(`/id-in/${aei}`))).rsc, 2000);
  // Release-2 wrapped JSON is accepted on input.
  const wrapped = await ask({ 'm2m:rqp': retrieve(aei) } as unknown as RequestPrimitive);
  assert.equal(wrapped.rsc, 2000);
  ws.close();
});

test('registree: registers, reopens without re-registering, associated via X-M2M-Origin', async () => {
  const { cse, registrar, url } = await startRegistrar();
  const ae = registree(url);
  const reg = await ae.send(createAe());
  assert.equal(reg?.rsc, 2001);
  assert.equal(ae.originator, 'Cae1');
  await waitFor(() => registrar.connectedIds().includes('Cae1'));
  assert.equal((await ae.send(retrieve('Cae1')))?.rsc, 2000);
  // The registrar closes the connection; the next request reopens it.
  registrar.connectionOf('Cae1')!.endpoint.close(1000, 'bye');
  await waitFor(() => ae.state === 'closed');
  const handledBefore = cse.handled.filter((h) => h.request.ty === 2).length;
  assert.equal((await ae.send(retrieve('Cae1')))?.rsc, 2000);
  assert.equal(cse.handled.filter((h) => h.request.ty === 2).length, handledBefore, 'no second registration');
  assert.ok(registrar.connectedIds().includes('Cae1'));
});

test('routing: delivered when connected; buffered while away, then delivered in order before new traffic', async () => {
  const { registrar, url } = await startRegistrar();
  const got: string[] = [];
  const ae = registree(url, {
    handler: (req) => {
      got.push(con(req));
      return { rsc: 2000, rqi: req.rqi };
    },
  });
  await ae.send(createAe());
  await waitFor(() => registrar.connectedIds().includes('Cae1'));
  const first = await registrar.send('Cae1', notify('Cae1', 0));
  assert.equal(first.status, 'delivered');
  assert.equal(first.status === 'delivered' && first.response?.rsc, 2000);

  await ae.close();
  await waitFor(() => !registrar.connectedIds().includes('Cae1'));
  for (let i = 1; i <= 20; i++) {
    const r = await registrar.send('Cae1', notify('Cae1', i));
    assert.equal(r.status, 'buffered');
  }
  assert.equal(registrar.store.stats().entries, 20);
  const delivered: string[] = [];
  registrar.on('delivered', (e) => delivered.push(e.primitive.rqi));

  // Reconnect: a new registree object that knows its AE-ID (sends X-M2M-Origin).
  const again = registree(url, {
    originator: 'Cae1',
    handler: (req) => {
      got.push(con(req));
      return { rsc: 2000, rqi: req.rqi };
    },
  });
  await again.open();
  // New traffic sent right away queues behind the buffered primitives.
  const late = await registrar.send('Cae1', notify('Cae1', 21));
  await waitFor(() => got.length === 22, 5000, 'all notifications');
  assert.deepEqual(got, Array.from({ length: 22 }, (_, i) => `n${i}`));
  assert.ok(late.status === 'buffered' || late.status === 'delivered');
  await waitFor(() => registrar.store.stats().entries === 0);
  assert.equal(delivered.length >= 20, true);
});

test('a request lost with its connection goes back into the store, ahead of what was sent after it', async () => {
  const { registrar, url } = await startRegistrar();
  const got: string[] = [];
  const ae = registree(url, {
    handler: (req) => {
      got.push(con(req));
      // The first copy of n1 is never answered: it is in flight when the connection goes.
      return got.length === 1 ? new Promise(() => {}) : { rsc: 2000, rqi: req.rqi };
    },
  });
  await ae.send(createAe());
  await waitFor(() => registrar.connectedIds().includes('Cae1'));
  const n1 = registrar.send('Cae1', notify('Cae1', 1));
  await waitFor(() => got.length === 1, 5000, 'n1 at the registree');
  // The registrar closes the connection; until the TCP close, n1 is in flight and its fate unknown.
  registrar.connectionOf('Cae1')!.endpoint.close(1000, 'test');
  const n2 = registrar.send('Cae1', notify('Cae1', 2)); // during the closing handshake
  const [r1, r2] = await Promise.all([n1, n2]);
  assert.equal(r1.status, 'buffered', 'n1 lost in flight is buffered again, not handed back as 5103');
  assert.equal(r2.status, 'buffered');
  assert.deepEqual(registrar.store.pending('Cae1').map((e) => con(e.primitive)), ['n1', 'n2'], 'n1 stays ahead of n2');
  const n3 = registrar.send('Cae1', notify('Cae1', 3), { buffer: false });
  assert.equal((await n3).status, 'refused');

  await ae.open(); // reconnects with X-M2M-Origin: the store is flushed in order
  await waitFor(() => got.length === 3, 5000, 'redelivery');
  assert.deepEqual(got, ['n1', 'n1', 'n2'], 'at least once, and in order');
  await waitFor(() => registrar.store.stats().entries === 0);
});

test('a request lost with an old connection after the registree is back on a new one is delivered at once', async () => {
  const { registrar, url } = await startRegistrar();
  const got: string[] = [];
  const first = registree(url, {
    handler: (req) => {
      got.push(`first:${con(req)}`);
      return new Promise(() => {}); // never answers: n1 stays in flight
    },
  });
  await first.send(createAe());
  await waitFor(() => registrar.connectedIds().includes('Cae1'));
  const n1 = registrar.send('Cae1', notify('Cae1', 1));
  await waitFor(() => got.length === 1, 5000, 'n1 at the first connection');
  // A second connection for the same AE: its association closes the first, with n1 in flight.
  const second = registree(url, {
    originator: 'Cae1',
    handler: (req) => {
      got.push(`second:${con(req)}`);
      return { rsc: 2000, rqi: req.rqi };
    },
  });
  await second.open();
  assert.equal((await n1).status, 'buffered');
  await waitFor(() => got.length === 2, 5000, 'n1 redelivered on the second connection without another reconnect');
  assert.deepEqual(got, ['first:n1', 'second:n1']);
  const n2 = await registrar.send('Cae1', notify('Cae1', 2));
  assert.ok(n2.status === 'delivered' || n2.status === 'buffered');
  await waitFor(() => got.length === 3);
  assert.deepEqual(got, ['first:n1', 'second:n1', 'second:n2']);
});

test('with buffer: false a request lost with its connection is answered 5103, not buffered', async () => {
  const { registrar, url } = await startRegistrar();
  const ae = registree(url, { handler: () => new Promise(() => {}) });
  await ae.send(createAe());
  await waitFor(() => registrar.connectedIds().includes('Cae1'));
  const lost = registrar.send('Cae1', notify('Cae1', 1), { buffer: false });
  await new Promise((r) => setTimeout(r, 50));
  registrar.connectionOf('Cae1')!.endpoint.close(1000, 'test');
  const r = await lost;
  assert.equal(r.status, 'delivered');
  assert.equal(r.status === 'delivered' && r.response?.rsc, 5103);
  assert.equal(registrar.store.stats().entries, 0);
});

test('refused: not buffered on request, expired already, or buffer full (5103 with the reason)', async () => {
  const { registrar } = await startRegistrar({ store: new MemoryStore({ maxPerTarget: 2 }) });
  const noBuffer = await registrar.send('Cgone', notify('Cgone', 1), { buffer: false });
  assert.equal(noBuffer.status, 'refused');
  assert.equal(noBuffer.status === 'refused' && noBuffer.response.rsc, 5103);
  const expired = await registrar.send('Cgone', { ...notify('Cgone', 1), rqet: '20200101T000000' });
  assert.equal(expired.status, 'refused');
  assert.equal((await registrar.send('Cgone', notify('Cgone', 1))).status, 'buffered');
  assert.equal((await registrar.send('Cgone', notify('Cgone', 2))).status, 'buffered');
  const full = await registrar.send('Cgone', notify('Cgone', 3));
  assert.equal(full.status, 'refused');
  assert.match(String(full.status === 'refused' && full.response.pc?.['m2m:dbg']), /buffer is full/);
});

test('buffered primitives expire and are dropped', async () => {
  const { registrar } = await startRegistrar();
  const expiredEvents: number[] = [];
  registrar.on('expired', (entries) => expiredEvents.push(entries.length));
  assert.equal((await registrar.send('Csleepy', { ...notify('Csleepy', 1), rqet: 50 })).status, 'buffered');
  await waitFor(() => expiredEvents.length === 1, 3000, 'expiry');
  assert.equal(registrar.store.stats().entries, 0);
});

test('buffered primitives survive a registrar restart (FileStore)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onem2m-registrar-'));
  closers.push(async () => rmSync(dir, { recursive: true, force: true }));
  const cse = new FakeCse();
  cse.registered.add('Cae9');
  const first = new Registrar({ handler: cse.handler, isRegistered: cse.isRegistered, store: await FileStore.open(dir) });
  await first.listen(0);
  for (let i = 0; i < 5; i++) assert.equal((await first.send('Cae9', notify('Cae9', i))).status, 'buffered');
  await first.close();

  const second = new Registrar({ handler: cse.handler, isRegistered: cse.isRegistered, store: await FileStore.open(dir) });
  const { port } = await second.listen(0);
  closers.push(() => second.close());
  const got: string[] = [];
  const ae = registree(`ws://127.0.0.1:${port}`, {
    originator: 'Cae9',
    handler: (req) => {
      got.push(req.rqi);
      return { rsc: 2000, rqi: req.rqi };
    },
  });
  await ae.open();
  await waitFor(() => got.length === 5);
  await waitFor(() => second.store.stats().entries === 0);
});

test('one connection per registree: a newer association closes the older connection', async () => {
  const { registrar, url } = await startRegistrar();
  const one = registree(url);
  await one.send(createAe());
  const closed = once(one, 'close');
  const two = registree(url, { originator: 'Cae1' });
  await two.open();
  const [code, reason] = await closed;
  assert.equal(code, 1000);
  assert.match(reason as string, /Replaced/);
  assert.equal(registrar.connectedIds().length, 1);
  assert.equal((await two.send(retrieve('Cae1')))?.rsc, 2000);
});

test('a CSE registree may forward for others; de-registration dissociates', async () => {
  const { registrar, url } = await startRegistrar();
  const mn = registree(url);
  const reg = await mn.send({ op: 1, to: 'cse-in', fr: '/id-mn', rqi: rqi(), ty: 16, rvi: '3', pc: { 'm2m:csr': { csi: '/id-mn', cb: '/id-mn/cse-mn', rr: true } } });
  assert.equal(reg?.rsc, 2001);
  assert.equal(mn.originator, '/id-mn');
  await waitFor(() => registrar.connectedIds().includes('/id-mn'));
  assert.equal((await mn.send(retrieve('CaeBelowMn')))?.rsc, 2000, 'forwarded for an AE below the MN-CSE');
  // De-registration: the host deletes the remoteCSE and tells the registrar.
  assert.equal((await mn.send({ op: 4, to: '/id-mn', fr: '/id-mn', rqi: rqi(), rvi: '3' }))?.rsc, 2002);
  await waitFor(() => !registrar.connectedIds().includes('/id-mn'));
  assert.equal((await mn.send(retrieve('/id-mn')))?.rsc, 4103, 'no longer associated');
});

test('idle policy: idle connections close, never with a request outstanding', async () => {
  let release!: () => void;
  const cse = new FakeCse();
  const registrar = new Registrar({
    handler: (req, ctx) => (req.to === 'slow' ? new Promise((r) => (release = () => r({ rsc: 2000, rqi: req.rqi }))) : cse.handler(req, ctx)),
    isRegistered: cse.isRegistered,
    idleTimeout: 100,
  });
  const { port } = await registrar.listen(0);
  closers.push(() => registrar.close());
  const ae = registree(`ws://127.0.0.1:${port}`);
  await ae.send(createAe());
  const pending = ae.send(retrieve('Cae1', 'slow'));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(ae.state, 'open', 'kept open while the request is outstanding');
  release();
  assert.equal((await pending)?.rsc, 2000);
  await waitFor(() => ae.state === 'closed', 2000, 'idle close');
});

test('persistent registree reconnects with backoff; requests wait while connecting', async () => {
  const { registrar, url } = await startRegistrar();
  const ae = registree(url, { persistent: true, backoff: { initial: 20, max: 100 } });
  await ae.send(createAe());
  const reconnecting: number[] = [];
  ae.on('reconnecting', (d) => reconnecting.push(d));
  registrar.connectionOf('Cae1')!.endpoint.close(1001, 'restart');
  await waitFor(() => reconnecting.length >= 1);
  await waitFor(() => ae.state === 'open', 3000, 'reconnected');
  assert.ok(reconnecting[0]! <= 20);
  await waitFor(() => registrar.connectedIds().includes('Cae1'));
});

test('unreachable registrar: 5103; a request expiring while connecting: 4008', async () => {
  const net = await import('node:net');
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const ae = registree(`ws://127.0.0.1:${port}`);
  const r = await ae.send(createAe());
  assert.equal(r?.rsc, 5103);
  assert.match(String(r?.pc?.['m2m:dbg']), /Cannot reach/);
  const persistent = registree(`ws://127.0.0.1:${port}`, { persistent: true, backoff: { initial: 50 } });
  const started = Date.now();
  const expired = await persistent.send({ ...createAe(), rqet: 200 });
  assert.equal(expired?.rsc, 4008);
  assert.ok(Date.now() - started < 2000);
});

test('our registree against a ws server speaking oneM2M.cbor', async () => {
  const { encodePrimitive, decodePrimitive } = await import('../../src/primitives/index.js');
  const server = new WsServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('oneM2M.cbor') ? 'oneM2M.cbor' : false) });
  await once(server, 'listening');
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  let origin: string | undefined;
  server.on('connection', (ws, req) => {
    origin = req.headers['x-m2m-origin'] as string | undefined;
    ws.on('message', (data, isBinary) => {
      assert.equal(isBinary, true);
      const d = decodePrimitive(data as Buffer, 'cbor');
      if (!d.ok || d.kind !== 'request') return;
      ws.send(encodePrimitive({ rsc: 2001, rqi: d.primitive.rqi, pc: { 'm2m:ae': { aei: 'CfromWs' } } }, 'cbor'));
    });
  });
  const ae = registree(`ws://127.0.0.1:${(server.address() as { port: number }).port}/`, { serializations: ['cbor'] });
  const r = await ae.send(createAe());
  assert.equal(r?.rsc, 2001);
  assert.equal(ae.originator, 'CfromWs');
  assert.equal(origin, undefined);
});

test('Release-2 peers get wrapped JSON back; compression plugs in through the server options', async () => {
  const { url } = await startRegistrar({ server: { perMessageDeflate: true } });
  const ws = new WsClient(url, ['oneM2M.R2.0.json'], { perMessageDeflate: true });
  await once(ws, 'open');
  assert.match(ws.extensions, /permessage-deflate/);
  const reply = once(ws, 'message');
  ws.send(JSON.stringify({ 'm2m:rqp': createAe() }));
  const response = JSON.parse(((await reply)[0] as Buffer).toString());
  assert.equal(response['m2m:rsp']?.rsc, 2001, JSON.stringify(response));
  ws.close();
});

test('a host can associate a registration whose response carries no AE-ID (rcn 0)', async () => {
  const cse = new FakeCse();
  const registrar = new Registrar({
    isRegistered: cse.isRegistered,
    handler: (req, ctx) => {
      const response = cse.handler(req, ctx);
      if (req.ty === 2 && response.rsc === 2001) {
        ctx.associate((response.pc?.['m2m:ae'] as { aei: string }).aei, 'ae');
        return { rsc: 2001, rqi: req.rqi }; // rcn 0: nothing in pc
      }
      return response;
    },
  });
  const { port } = await registrar.listen(0);
  closers.push(() => registrar.close());
  const ae = registree(`ws://127.0.0.1:${port}`);
  assert.equal((await ae.send({ ...createAe(), rcn: 0 }))?.rsc, 2001);
  assert.deepEqual(registrar.connectedIds(), ['Cae1']);
  assert.equal((await ae.send(retrieve('Cae1')))?.rsc, 2000);
});
