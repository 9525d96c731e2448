/** `to` in every form, the access rule (4103), AE-ID assignment, bad primitives. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/ws/index.js';
import { Cleanup, admin, client, cse, registeredAe, type Client } from './helpers.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

let url: string;
let ae: Client & { aei: string };
let cntRi: string;
before(async () => {
  url = (await cse(cleanup)).urls[0]!;
  ae = await registeredAe(cleanup, url, { rn: 'app' });
  cntRi = (await ae.send({ op: 1, to: 'cse-in/app', ty: 3, pc: { 'm2m:cnt': { rn: 'c' } } })).pc!['m2m:cnt']!.ri!;
  await ae.send({ op: 1, to: 'cse-in/app/c', ty: 4, pc: { 'm2m:cin': { con: 'v1' } } });
});

test('to: CSE-relative, SP-relative and absolute; structured, unstructured and hybrid', async () => {
  const forms = [
    'cse-in/app/c',
    '-/app/c',
    cntRi,
    `${ae.aei}/c`,
    '/id-in/cse-in/app/c',
    `/id-in/${cntRi}`,
    '//example.net/id-in/cse-in/app/c',
    `//example.net/id-in/${cntRi}`,
  ];
  for (const to of forms) {
    const response = await ae.send({ op: 2, to });
    assert.equal(response.rsc, 2000, to);
    assert.equal(response.pc?.['m2m:cnt']?.ri, cntRi, to);
  }
  for (const to of ['cse-in', '-', '/id-in', '//example.net/id-in', '/id-in/cse-in']) assert.equal((await ae.send({ op: 2, to })).pc?.['m2m:cb']?.ri, 'id-in', to);
  assert.equal((await ae.send({ op: 2, to: `${cntRi}/la` })).pc?.['m2m:cin']?.con, 'v1');
  assert.equal((await ae.send({ op: 2, to: `/id-in/${ae.aei}` })).pc?.['m2m:ae']?.aei, ae.aei);
  for (const to of ['cse-in/nothing', 'nothing', 'cse-in/app/c/x/y', '/id-in/nothing', '/id-other/cse-other']) assert.equal((await ae.send({ op: 2, to })).rsc, 4004, to);
  for (const to of ['///x', 'cse-in//app', '//example.net', 'cse-in#']) assert.equal((await ae.send({ op: 2, to })).rsc, 4000, to);
});

test('access: own resources and descendants; CSEBase retrieve/create; admin everything; others 4103', async () => {
  const other = await registeredAe(cleanup, url);
  assert.equal((await other.send({ op: 2, to: 'cse-in' })).rsc, 2000);
  for (const op of [2, 4] as const) assert.equal((await other.send({ op, to: 'cse-in/app/c' })).rsc, 4103);
  assert.equal((await other.send({ op: 3, to: 'cse-in/app', pc: { 'm2m:ae': { apn: 'x' } } })).rsc, 4103);
  assert.equal((await other.send({ op: 1, to: 'cse-in/app/c', ty: 4, pc: { 'm2m:cin': { con: 'x' } } })).rsc, 4103);
  assert.equal((await other.send({ op: 2, to: 'cse-in/app/c', fc: { fu: 1 } })).rsc, 4103);
  // Created directly under the CSEBase: owned by its creator.
  assert.equal((await other.send({ op: 1, to: 'cse-in', ty: 3, pc: { 'm2m:cnt': { rn: 'shared' } } })).rsc, 2001);
  assert.equal((await ae.send({ op: 2, to: 'cse-in/shared' })).rsc, 4103);
  assert.equal((await other.send({ op: 5, to: `cse-in/app`, pc: { 'm2m:sgn': { sur: 'x' } } })).rsc, 4103, 'an AE cannot notify');
  const root = admin(cleanup, url);
  assert.equal((await root.send({ op: 2, to: 'cse-in/app/c' })).rsc, 2000);
  assert.equal((await root.send({ op: 1, to: 'cse-in/shared', ty: 4, pc: { 'm2m:cin': { con: 'by admin' } } })).rsc, 2001);
  assert.equal((await root.send({ op: 2, to: 'cse-in', fc: { fu: 1, ty: [3] } })).pc?.['m2m:uril']?.length, 2);
});

test('AE-ID assignment: C, S, a requested stem, duplicates, other forms; de-registration', async () => {
  const assigned = async (fr: string | undefined) => {
    const c = client(cleanup, url);
    const response = await c.send({ op: 1, to: 'cse-in', ty: 2, ...(fr !== undefined ? { fr } : {}), pc: { 'm2m:ae': { api: 'Nx', rr: false, srv: ['3'] } } });
    return { c, response, aei: response.pc?.['m2m:ae']?.aei };
  };
  assert.match((await assigned('C')).aei ?? '', /^C[a-z0-9]{10}$/);
  assert.match((await assigned('S')).aei ?? '', /^S[a-z0-9]{10}$/);
  assert.match((await assigned('')).aei ?? '', /^C[a-z0-9]{10}$/);
  const mine = await assigned('Cmine');
  assert.equal(mine.aei, 'Cmine');
  assert.equal(mine.response.pc?.['m2m:ae']?.ri, 'Cmine');
  assert.equal((await assigned('Cmine')).response.rsc, 4117);
  assert.equal((await assigned('CAdmin')).response.rsc, 4117);
  assert.equal((await assigned('/id-in/Sstem')).aei, 'Sstem');
  assert.equal((await assigned('xyz')).response.rsc, 4000);
  const noApi = await client(cleanup, url).send({ op: 1, to: 'cse-in', ty: 2, pc: { 'm2m:ae': { rr: true } } });
  assert.equal(noApi.rsc, 4000);
  const badApi = await client(cleanup, url).send({ op: 1, to: 'cse-in', ty: 2, pc: { 'm2m:ae': { api: 'app' } } });
  assert.equal(badApi.rsc, 4000);

  // De-registration: the AE is gone, and its connection is no longer associated.
  assert.equal((await mine.c.send({ op: 4, to: 'Cmine' })).rsc, 2002);
  assert.equal((await mine.c.send({ op: 2, to: 'cse-in' })).rsc, 4103);
  assert.equal((await admin(cleanup, url).send({ op: 2, to: 'Cmine' })).rsc, 4004);
});

test('bad primitives are answered with the right status code, and the server keeps serving', async () => {
  const ws = await connect(url, { protocols: ['oneM2M.json'] });
  cleanup.add(() => ws.close());
  const answers: Array<{ rsc: number; rqi?: string }> = [];
  ws.on('message', (data: Buffer | string) => answers.push(JSON.parse(data.toString())));
  const send = (text: string) => ws.send(text);
  send('{not json');
  send(JSON.stringify({ op: 9, to: 'cse-in', fr: ae.aei, rqi: 'b1', rvi: '3' }));
  send(JSON.stringify({ op: 2, fr: ae.aei, rqi: 'b2', rvi: '3' }));
  send(JSON.stringify({ op: 2, to: 'cse-in', fr: 'Cunknown', rqi: 'b3', rvi: '3' })); // not registered
  send(JSON.stringify({ op: 1, to: 'cse-in', rqi: 'b4', rvi: '3', ty: 2, pc: { 'm2m:ae': { api: 'Nbad', rr: 'yes' } } }));
  send(JSON.stringify({ op: 1, to: 'cse-in', rqi: 'b5', rvi: '3', ty: 2, rt: { rtv: 2 }, pc: { 'm2m:ae': { api: 'Nbad' } } }));
  const deadline = Date.now() + 3000;
  while (answers.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const byRqi = new Map(answers.map((a) => [a.rqi, a.rsc]));
  assert.equal(byRqi.get(''), 4000, 'undecodable (no rqi to recover)');
  assert.equal(byRqi.get('b1'), 4000);
  assert.equal(byRqi.get('b2'), 4000);
  assert.equal(byRqi.get('b3'), 4103);
  assert.equal(byRqi.get('b4'), 4000);
  assert.equal(byRqi.get('b5'), 5206);
  assert.equal((await ae.send({ op: 2, to: 'cse-in/app/c' })).rsc, 2000, 'still serving');
});
