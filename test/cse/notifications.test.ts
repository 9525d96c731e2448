/** Subscriptions: verification, notifications to a connected AE, to an AE that is away, to a ws:// URL. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Registrar } from '../../src/binding/index.js';
import type { Notification, RequestPrimitive } from '../../src/primitives/index.js';
import { Cleanup, admin, client, cse, registeredAe, waitFor, type Client } from './helpers.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

let url: string;
let ae: Client & { aei: string };
before(async () => {
  url = (await cse(cleanup)).urls[0]!;
  ae = await registeredAe(cleanup, url, { rn: 'app' });
  await ae.send({ op: 1, to: 'cse-in/app', ty: 3, pc: { 'm2m:cnt': { rn: 'c' } } });
});

const sgn = (request: RequestPrimitive | undefined): Notification => request?.pc?.['m2m:sgn'] as Notification;

test('notifications to a connected AE: create, update, delete of a child; deletion notification', async () => {
  const sub = await ae.send({ op: 1, to: 'cse-in/app/c', ty: 23, pc: { 'm2m:sub': { rn: 's', nu: [ae.aei], enc: { net: [1, 3, 4] } } } });
  assert.equal(sub.rsc, 2001);
  const subRi = sub.pc?.['m2m:sub']?.ri;
  assert.equal(ae.inbox.length, 0, 'no verification request to the subscriber itself');

  const cin = await ae.send({ op: 1, to: 'cse-in/app/c', ty: 4, pc: { 'm2m:cin': { rn: 'i', con: '21.5', cnf: 'text/plain:0' } } });
  await waitFor(() => ae.inbox.length === 1);
  const created = ae.inbox[0]!;
  assert.equal(created.op, 5);
  assert.equal(created.to, ae.aei);
  assert.equal(created.fr, '/id-in');
  assert.equal(sgn(created).sur, `/id-in/${subRi}`);
  assert.equal(sgn(created).nev?.net, 3);
  assert.deepEqual(sgn(created).nev?.rep, { 'm2m:cin': cin.pc?.['m2m:cin'] });

  await ae.send({ op: 3, to: 'cse-in/app/c', pc: { 'm2m:cnt': { lbl: ['x'] } } });
  await waitFor(() => ae.inbox.length === 2);
  assert.equal(sgn(ae.inbox[1]).nev?.net, 1);
  assert.deepEqual((sgn(ae.inbox[1]).nev?.rep?.['m2m:cnt'] as { lbl: string[] }).lbl, ['x']);

  await ae.send({ op: 4, to: 'cse-in/app/c/i' });
  await waitFor(() => ae.inbox.length === 3);
  assert.equal(sgn(ae.inbox[2]).nev?.net, 4);

  // nct 3: the resource's address only.
  await ae.send({ op: 3, to: 'cse-in/app/c/s', pc: { 'm2m:sub': { nct: 3, enc: { net: [3] } } } });
  await ae.send({ op: 1, to: 'cse-in/app/c', ty: 4, pc: { 'm2m:cin': { rn: 'j', con: 'x' } } });
  await waitFor(() => ae.inbox.length === 4);
  assert.deepEqual(sgn(ae.inbox[3]).nev?.rep, { 'm2m:uri': 'cse-in/app/c/j' });

  assert.equal((await ae.send({ op: 4, to: 'cse-in/app/c/s' })).rsc, 2002);
  await waitFor(() => ae.inbox.length === 5);
  assert.deepEqual(sgn(ae.inbox[4]), { sud: true, sur: `/id-in/${subRi}` });
});

test('verification: another AE confirms (2000), refuses (4101 → 5204), or is away (5204)', async () => {
  let answer = 2000;
  const listener = await registeredAe(cleanup, url, { answer: () => answer });
  const subscribe = (rn: string) => ae.send({ op: 1, to: 'cse-in/app/c', ty: 23, pc: { 'm2m:sub': { rn, nu: [listener.aei], enc: { net: [3] } } } });
  assert.equal((await subscribe('v1')).rsc, 2001);
  assert.equal(listener.inbox.length, 1);
  assert.deepEqual(sgn(listener.inbox[0]), { vrq: true, sur: sgn(listener.inbox[0]).sur, cr: ae.aei });
  answer = 4101;
  assert.equal((await subscribe('v2')).rsc, 5204);
  await listener.registree.close();
  assert.equal((await subscribe('v3')).rsc, 5204, 'an AE that is away cannot confirm');
  assert.equal((await ae.send({ op: 2, to: 'cse-in/app/c/v3' })).rsc, 4004);
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app/c', ty: 23, pc: { 'm2m:sub': { nu: ['nowhere'] } } })).rsc, 5204);
  assert.equal((await ae.send({ op: 4, to: 'cse-in/app/c/v1' })).rsc, 2002);
});

test('an AE that is away: notifications are buffered, then delivered in order on reconnection', async () => {
  const away = await registeredAe(cleanup, url);
  await away.send({ op: 1, to: away.aei, ty: 3, pc: { 'm2m:cnt': { rn: 'box' } } });
  await away.send({ op: 1, to: `${away.aei}/box`, ty: 23, pc: { 'm2m:sub': { nu: [away.aei], enc: { net: [3] } } } });
  await away.registree.close();
  const root = admin(cleanup, url);
  for (let i = 0; i < 5; i++) assert.equal((await root.send({ op: 1, to: `${away.aei}/box`, ty: 4, pc: { 'm2m:cin': { con: `n${i}` } } })).rsc, 2001);
  assert.equal(away.inbox.length, 0);

  const back = client(cleanup, url, { originator: away.aei });
  await back.registree.open();
  await waitFor(() => back.inbox.length === 5, 5000, 'buffered notifications');
  assert.deepEqual(back.inbox.map((n) => (sgn(n).nev?.rep?.['m2m:cin'] as { con: string }).con), ['n0', 'n1', 'n2', 'n3', 'n4']);
  await root.send({ op: 1, to: `${away.aei}/box`, ty: 4, pc: { 'm2m:cin': { con: 'live' } } });
  await waitFor(() => back.inbox.length === 6);
});

test('notifications to a ws:// URL: verified, then delivered over one connection', async () => {
  const received: RequestPrimitive[] = [];
  const receiver = new Registrar({
    handler: (request) => {
      received.push(request);
      return { rsc: 2000, rqi: request.rqi };
    },
    isRegistered: (originator) => originator === '/id-in',
  });
  const { port } = await receiver.listen(0);
  cleanup.add(() => receiver.close());
  const target = `ws://127.0.0.1:${port}`;
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app/c', ty: 23, pc: { 'm2m:sub': { rn: 'u', nu: [target], enc: { net: [3] } } } })).rsc, 2001);
  assert.equal(sgn(received[0]).vrq, true);
  await ae.send({ op: 1, to: 'cse-in/app/c', ty: 4, pc: { 'm2m:cin': { con: 'to-url' } } });
  await ae.send({ op: 1, to: 'cse-in/app/c', ty: 4, pc: { 'm2m:cin': { con: 'again' } } });
  await waitFor(() => received.length === 3);
  assert.equal(received[1]!.to, target);
  assert.deepEqual(received.slice(1).map((n) => (sgn(n).nev?.rep?.['m2m:cin'] as { con: string }).con), ['to-url', 'again']);
  assert.equal(receiver.connectedIds().length, 1);
});

test('a ws:// URL that goes down: notifications wait, in order, and arrive when it is back', async () => {
  const received: string[] = [];
  const receiverAt = async (port: number) => {
    const receiver = new Registrar({
      handler: (request) => {
        received.push((sgn(request).nev?.rep?.['m2m:cin'] as { con?: string } | undefined)?.con ?? 'verification');
        return { rsc: 2000, rqi: request.rqi };
      },
      isRegistered: (originator) => originator === '/id-in',
    });
    const address = await receiver.listen(port, '127.0.0.1');
    cleanup.add(() => receiver.close());
    return { receiver, port: address.port };
  };
  const first = await receiverAt(0);
  const target = `ws://127.0.0.1:${first.port}`;
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app', ty: 3, pc: { 'm2m:cnt': { rn: 'down' } } })).rsc, 2001);
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app/down', ty: 23, pc: { 'm2m:sub': { rn: 'u', nu: [target], enc: { net: [3] } } } })).rsc, 2001);
  assert.deepEqual(received, ['verification']);
  await first.receiver.close();

  for (const con of ['d1', 'd2', 'd3']) await ae.send({ op: 1, to: 'cse-in/app/down', ty: 4, pc: { 'm2m:cin': { con } } });
  await new Promise((r) => setTimeout(r, 700)); // at least one failed try and one retry
  assert.deepEqual(received, ['verification'], 'nothing can arrive while the URL is down');

  await receiverAt(first.port);
  await waitFor(() => received.length === 4, 10_000, 'the waiting notifications');
  assert.deepEqual(received, ['verification', 'd1', 'd2', 'd3']);
  await ae.send({ op: 1, to: 'cse-in/app/down', ty: 4, pc: { 'm2m:cin': { con: 'd4' } } });
  await waitFor(() => received.length === 5);
  assert.equal(received[4], 'd4');
});
