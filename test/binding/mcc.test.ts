/** Mcc (MN-CSE between AEs and an IN-CSE) and Mcc' (IN-CSE to IN-CSE, one connection). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Registrar } from '../../src/binding/registrar.js';
import { Registree } from '../../src/binding/registree.js';
import { Peering } from '../../src/binding/peering.js';
import type { RequestPrimitive, ResponsePrimitive } from '../../src/primitives/index.js';
import { FakeCse, createAe, notify, retrieve, rqi } from '../helpers/cse.js';
import { waitFor } from '../helpers/net.js';

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

test('Mcc: an MN-CSE serves its AE and is a registree of the IN-CSE at once; requests are forwarded both ways', async () => {
  // IN-CSE.
  const inCse = new FakeCse();
  const inRegistrar = new Registrar({ handler: inCse.handler, isRegistered: inCse.isRegistered });
  const inPort = (await inRegistrar.listen(0)).port;
  closers.push(() => inRegistrar.close());

  // MN-CSE: a registrar for its AEs, a registree towards the IN-CSE; it forwards by target.
  const mnCse = new FakeCse();
  let mnRegistrar!: Registrar;
  const toIn = new Registree({
    url: `ws://127.0.0.1:${inPort}`,
    proxy: null,
    // Requests from the IN-CSE for AEs below the MN-CSE are forwarded to them.
    handler: async (req) => {
      const result = await mnRegistrar.send(req.to, req);
      return result.status === 'delivered' ? result.response : { rsc: 1000, rqi: req.rqi };
    },
  });
  closers.push(() => toIn.close());
  mnRegistrar = new Registrar({
    isRegistered: mnCse.isRegistered,
    handler: async (req, ctx) => (req.to.startsWith('/id-in') ? toIn.send(req) : mnCse.handler(req, ctx)),
  });
  const mnPort = (await mnRegistrar.listen(0)).port;
  closers.push(() => mnRegistrar.close());
  const reg = await toIn.send({ op: 1, to: 'cse-in', fr: '/id-mn', rqi: rqi(), ty: 16, rvi: '3', pc: { 'm2m:csr': { csi: '/id-mn', cb: '/id-mn/cse-mn', rr: true } } });
  assert.equal(reg?.rsc, 2001);

  // An AE under the MN-CSE.
  const notifications: RequestPrimitive[] = [];
  const ae = new Registree({
    url: `ws://127.0.0.1:${mnPort}`,
    proxy: null,
    handler: (req) => {
      notifications.push(req);
      return { rsc: 2000, rqi: req.rqi };
    },
  });
  closers.push(() => ae.close());
  assert.equal((await ae.send(createAe()))?.rsc, 2001);
  await waitFor(() => mnRegistrar.connectedIds().includes('Cae1'));

  // AE → MN → IN.
  const up = await ae.send(retrieve('Cae1', '/id-in/cse-in'));
  assert.equal(up?.rsc, 2000);
  assert.equal(inCse.handled.at(-1)?.request.to, '/id-in/cse-in');
  assert.equal(inCse.handled.at(-1)?.via, '/id-mn');

  // IN → MN → AE.
  const down = await inRegistrar.send('/id-mn', notify('Cae1', 7));
  assert.equal(down.status, 'delivered');
  assert.equal(down.status === 'delivered' && down.response?.rsc, 2000);
  assert.equal(notifications.length, 1);
});

async function inCse(cseId: string, peers: Map<string, string>) {
  const cse = new FakeCse();
  let peering!: Peering;
  const handled: string[] = [];
  const handler = (req: RequestPrimitive): ResponsePrimitive => {
    handled.push(req.rqi);
    return { rsc: 2000, rqi: req.rqi, pc: { 'm2m:dbg': `${cseId} handled` } };
  };
  const registrar = new Registrar({
    handler: (req, ctx) => (peering.isPeer(ctx.connection.id ?? '') ? handler(req) : cse.handler(req, ctx)),
    isRegistered: (id) => peering.isPeer(id) || cse.isRegistered(id),
  });
  const { port } = await registrar.listen(0);
  closers.push(() => registrar.close());
  peering = new Peering({ localCseId: cseId, registrar, peers, handler: (req) => handler(req), registree: { proxy: null } });
  closers.push(() => peering.close());
  return { registrar, peering, port, handled };
}

test("Mcc': both IN-CSEs dial at once; exactly one connection survives, the same on both sides", async () => {
  const peersA = new Map<string, string>();
  const peersB = new Map<string, string>();
  const a = await inCse('/id-a', peersA);
  const b = await inCse('/id-b', peersB);
  peersA.set('/id-b', `ws://127.0.0.1:${b.port}`);
  peersB.set('/id-a', `ws://127.0.0.1:${a.port}`);

  const [fromA, fromB] = await Promise.all([
    a.peering.send('/id-b', { op: 2, to: '/id-b/cse-b', fr: '/id-a', rqi: 'a1', rvi: '3' }),
    b.peering.send('/id-a', { op: 2, to: '/id-a/cse-a', fr: '/id-b', rqi: 'b1', rvi: '3' }),
  ]);
  assert.equal(fromA?.rsc, 2000, JSON.stringify(fromA));
  assert.deepEqual(fromA?.pc, { 'm2m:dbg': '/id-b handled' });
  assert.equal(fromB?.rsc, 2000);
  assert.deepEqual(fromB?.pc, { 'm2m:dbg': '/id-a handled' });

  // /id-a < /id-b: the connection A dialled survives.
  await waitFor(() => a.peering.connectionTo('/id-b') === 'outbound' && b.peering.connectionTo('/id-a') === 'inbound', 3000, 'tie-break');
  await waitFor(() => a.registrar.connectedIds().length === 0 && b.registrar.connectedIds().length === 1, 3000, 'one connection');
  // Both directions still work over it.
  assert.equal((await a.peering.send('/id-b', { op: 2, to: '/id-b/cse-b', fr: '/id-a', rqi: 'a2', rvi: '3' }))?.rsc, 2000);
  assert.equal((await b.peering.send('/id-a', { op: 2, to: '/id-a/cse-a', fr: '/id-b', rqi: 'b2', rvi: '3' }))?.rsc, 2000);
  assert.equal(a.registrar.connectedIds().length + b.registrar.connectedIds().length, 1);
});

test("Mcc': when only one side dials, the other uses that connection instead of dialling back", async () => {
  const peersC = new Map<string, string>();
  const peersD = new Map<string, string>();
  const c = await inCse('/id-c', peersC);
  const d = await inCse('/id-d', peersD);
  peersC.set('/id-d', `ws://127.0.0.1:${d.port}`);
  peersD.set('/id-c', `ws://127.0.0.1:${c.port}`);
  assert.equal((await d.peering.send('/id-c', { op: 2, to: '/id-c/cse-c', fr: '/id-d', rqi: 'd1', rvi: '3' }))?.rsc, 2000);
  await waitFor(() => c.peering.connectionTo('/id-d') === 'inbound');
  assert.equal((await c.peering.send('/id-d', { op: 2, to: '/id-d/cse-d', fr: '/id-c', rqi: 'c1', rvi: '3' }))?.rsc, 2000);
  assert.equal(c.peering.connectionTo('/id-d'), 'inbound', 'no second connection was opened');
});
