/** Containers and contentInstances, result contents, update, recursive delete, discovery. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Cleanup, admin, cse, registeredAe, type Client } from './helpers.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

let ae: Client & { aei: string };
let root: Client;
before(async () => {
  const { urls } = await cse(cleanup);
  ae = await registeredAe(cleanup, urls[0]!, { rn: 'app' });
  root = admin(cleanup, urls[0]!);
});

const cin = (to: string, con: unknown, extra: object = {}) => ae.send({ op: 1, to, fr: ae.aei, ty: 4, pc: { 'm2m:cin': { con, ...extra } } });

test('mni and mbs are enforced by deleting the oldest instances; la and ol', async () => {
  const created = await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, pc: { 'm2m:cnt': { rn: 'limits', mni: 3, mbs: 10 } } });
  assert.equal(created.rsc, 2001);
  for (const con of ['a1', 'b2', 'c3', 'd4']) assert.equal((await cin('cse-in/app/limits', con, { cnf: 'text/plain:0' })).rsc, 2001);
  let cnt = (await ae.send({ op: 2, to: 'cse-in/app/limits', fr: ae.aei })).pc?.['m2m:cnt'];
  assert.equal(cnt?.cni, 3, 'mni 3: the oldest went');
  assert.equal(cnt?.cbs, 6);
  assert.equal(cnt?.st, 4);
  assert.equal((await ae.send({ op: 2, to: 'cse-in/app/limits/ol', fr: ae.aei })).pc?.['m2m:cin']?.con, 'b2');
  const latest = (await ae.send({ op: 2, to: 'cse-in/app/limits/la', fr: ae.aei })).pc?.['m2m:cin'];
  assert.equal(latest?.con, 'd4');
  assert.equal(latest?.cs, 2);
  assert.equal(latest?.st, 4);
  assert.equal(latest?.cnf, 'text/plain:0');

  // mbs 10: a 6-byte instance pushes out two older ones (6+2+2 = 10 fits, 6+2+2+2 does not).
  assert.equal((await cin('cse-in/app/limits', 'xxxxxx')).rsc, 2001);
  cnt = (await ae.send({ op: 2, to: 'cse-in/app/limits', fr: ae.aei })).pc?.['m2m:cnt'];
  assert.deepEqual([cnt?.cni, cnt?.cbs], [3, 10]);
  assert.equal((await cin('cse-in/app/limits', 'x'.repeat(11))).rsc, 5207, 'larger than mbs');

  // Lowering mni by update trims at once; la/ol can be deleted.
  assert.equal((await ae.send({ op: 3, to: 'cse-in/app/limits', fr: ae.aei, pc: { 'm2m:cnt': { mni: 1 } } })).rsc, 2004);
  assert.equal((await ae.send({ op: 2, to: 'cse-in/app/limits', fr: ae.aei })).pc?.['m2m:cnt']?.cni, 1);
  assert.equal((await ae.send({ op: 4, to: 'cse-in/app/limits/la', fr: ae.aei })).rsc, 2002);
  assert.equal((await ae.send({ op: 2, to: 'cse-in/app/limits/la', fr: ae.aei })).rsc, 4004);
  assert.equal((await ae.send({ op: 3, to: 'cse-in/app/limits/la', fr: ae.aei, pc: { 'm2m:cin': { con: 'x' } } })).rsc, 4005);
});

test('create result contents 0-3 and retrieve result contents 1, 4, 5, 6, 8', async () => {
  const none = await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, rcn: 0, pc: { 'm2m:cnt': { rn: 'rc' } } });
  assert.deepEqual([none.rsc, none.pc], [2001, undefined]);
  const address = await ae.send({ op: 1, to: 'cse-in/app/rc', fr: ae.aei, ty: 4, rcn: 2, pc: { 'm2m:cin': { rn: 'i1', con: 'one' } } });
  assert.deepEqual(address.pc, { 'm2m:uri': 'cse-in/app/rc/i1' });
  const both = await ae.send({ op: 1, to: 'cse-in/app/rc', fr: ae.aei, ty: 4, rcn: 3, pc: { 'm2m:cin': { rn: 'i2', con: 'two' } } });
  assert.equal(both.pc?.['m2m:rce']?.uri, 'cse-in/app/rc/i2');
  assert.equal((both.pc?.['m2m:rce']?.['m2m:cin'] as { con: string }).con, 'two');
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, rcn: 7, pc: { 'm2m:cnt': {} } })).rsc, 4000);

  const get = (rcn: number) => ae.send({ op: 2, to: 'cse-in/app/rc', fr: ae.aei, rcn });
  const r1 = (await get(1)).pc?.['m2m:cnt'];
  assert.equal(r1?.rn, 'rc');
  assert.equal(r1?.ch, undefined);
  const r4 = (await get(4)).pc?.['m2m:cnt'];
  assert.equal(r4?.rn, 'rc');
  assert.deepEqual(r4?.['m2m:cin']?.map((c) => c.con), ['one', 'two']);
  const r5 = (await get(5)).pc?.['m2m:cnt'];
  assert.equal(r5?.cni, 2);
  assert.deepEqual(r5?.ch, [
    { nm: 'i1', typ: 4, val: 'cse-in/app/rc/i1' },
    { nm: 'i2', typ: 4, val: 'cse-in/app/rc/i2' },
  ]);
  assert.deepEqual((await get(6)).pc, { 'm2m:rrl': { rrf: r5?.ch } });
  const r8 = (await get(8)).pc?.['m2m:cnt'];
  assert.equal(r8?.rn, undefined, 'no attributes with rcn 8');
  assert.equal(r8?.['m2m:cin']?.length, 2);
  assert.equal((await get(10)).rsc, 4000);

  // Partial retrieve: #attr and m2m:atrl.
  assert.deepEqual((await ae.send({ op: 2, to: 'cse-in/app/rc#cni', fr: ae.aei })).pc, { 'm2m:cnt': { cni: 2 } });
  assert.deepEqual((await ae.send({ op: 2, to: 'cse-in/app/rc', fr: ae.aei, pc: { 'm2m:atrl': ['rn', 'ty'] } })).pc, { 'm2m:cnt': { rn: 'rc', ty: 3 } });
  assert.equal((await ae.send({ op: 2, to: 'cse-in/app/rc#__proto__', fr: ae.aei })).rsc, 4000);
});

test('create: duplicate names, unknown attributes, wrong parent type, missing mandatory attributes', async () => {
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, pc: { 'm2m:cnt': { rn: 'dup' } } })).rsc, 2001);
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, pc: { 'm2m:cnt': { rn: 'dup' } } })).rsc, 4105);
  const generated = await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, pc: { 'm2m:cnt': {} } });
  assert.match(generated.pc?.['m2m:cnt']?.rn ?? '', /^cnt_[a-z0-9]{8}$/);
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, pc: { 'm2m:cnt': { bogus: 1 } } })).rsc, 4000);
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, pc: JSON.parse('{"m2m:cnt":{"__proto__":{"x":1}}}') })).rsc, 4000);
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, pc: { 'm2m:cnt': { cni: 3 } } })).rsc, 4000, 'NP attribute');
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, pc: { 'm2m:cnt': { mni: -1 } } })).rsc, 4000);
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 4, pc: { 'm2m:cin': { con: 'x' } } })).rsc, 4108, 'cin under an AE');
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app/dup', fr: ae.aei, ty: 4, pc: { 'm2m:cin': { cnf: 'text/plain:0' } } })).rsc, 4000, 'con missing');
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app/dup', fr: ae.aei, ty: 4, pc: { 'm2m:cnt': {} } })).rsc, 4000, 'pc does not match ty');
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 9, pc: { 'm2m:grp': {} } })).rsc, 4000, 'unsupported type');
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, pc: { 'm2m:cnt': { rn: '__proto__' } } })).rsc, 2001, 'a harmless name');
  assert.equal((await ae.send({ op: 2, to: 'cse-in/app/__proto__', fr: ae.aei })).pc?.['m2m:cnt']?.rn, '__proto__');
  assert.equal((await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, pc: { 'm2m:cnt': { rn: 'la' } } })).rsc, 4000, 'reserved name');
});

test('update: updatable attributes only; null removes; lt and st change', async () => {
  const created = (await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, pc: { 'm2m:cnt': { rn: 'upd', lbl: ['a'], mni: 5 } } })).pc?.['m2m:cnt'];
  const updated = await ae.send({ op: 3, to: 'cse-in/app/upd', fr: ae.aei, pc: { 'm2m:cnt': { lbl: ['b', 'c'], mni: null } } });
  assert.equal(updated.rsc, 2004);
  const cnt = updated.pc?.['m2m:cnt'];
  assert.deepEqual(cnt?.lbl, ['b', 'c']);
  assert.equal(cnt?.mni, undefined);
  assert.equal(cnt?.st, (created?.st ?? 0) + 1);
  assert.equal((await ae.send({ op: 3, to: 'cse-in/app/upd', fr: ae.aei, pc: { 'm2m:cnt': { rn: 'other' } } })).rsc, 4000, 'rn is NP');
  assert.equal((await ae.send({ op: 3, to: 'cse-in/app/upd', fr: ae.aei, pc: { 'm2m:cnt': { ri: 'x' } } })).rsc, 4000);
  assert.equal((await ae.send({ op: 3, to: 'cse-in/app', fr: ae.aei, pc: { 'm2m:ae': { api: 'Nother' } } })).rsc, 4000, 'api is NP');
  assert.equal((await ae.send({ op: 3, to: 'cse-in/app', fr: ae.aei, pc: { 'm2m:ae': { apn: 'renamed' } } })).pc?.['m2m:ae']?.apn, 'renamed');
  assert.equal((await ae.send({ op: 3, to: 'cse-in/app/upd', fr: ae.aei, rcn: 0, pc: { 'm2m:cnt': { mbs: 10 } } })).pc, undefined);
  assert.equal((await root.send({ op: 3, to: 'cse-in', pc: { 'm2m:cb': { lbl: ['x'] } } })).rsc, 4005);
  assert.equal((await root.send({ op: 4, to: 'cse-in' })).rsc, 4005);
});

test('delete is recursive', async () => {
  await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, pc: { 'm2m:cnt': { rn: 'outer' } } });
  await ae.send({ op: 1, to: 'cse-in/app/outer', fr: ae.aei, ty: 3, pc: { 'm2m:cnt': { rn: 'inner' } } });
  const instance = await cin('cse-in/app/outer/inner', 'deep');
  const ri = instance.pc?.['m2m:cin']?.ri;
  const deleted = await ae.send({ op: 4, to: 'cse-in/app/outer', fr: ae.aei, rcn: 1 });
  assert.equal(deleted.rsc, 2002);
  assert.equal(deleted.pc?.['m2m:cnt']?.rn, 'outer');
  for (const to of ['cse-in/app/outer', 'cse-in/app/outer/inner', String(ri)]) assert.equal((await ae.send({ op: 2, to, fr: ae.aei })).rsc, 4004, to);
});

test('discovery: fu 1 with ty, lbl, lim, lvl, fo, drt', async () => {
  await ae.send({ op: 1, to: 'cse-in/app', fr: ae.aei, ty: 3, pc: { 'm2m:cnt': { rn: 'd', lbl: ['room/kitchen'] } } });
  await ae.send({ op: 1, to: 'cse-in/app/d', fr: ae.aei, ty: 3, pc: { 'm2m:cnt': { rn: 'd2', lbl: ['room/hall'] } } });
  await cin('cse-in/app/d', 'v', { lbl: ['room/kitchen'] });
  const discover = (fc: object, extra: object = {}) => ae.send({ op: 2, to: 'cse-in/app/d', fr: ae.aei, fc: { fu: 1, ...fc }, ...extra });
  assert.deepEqual((await discover({ ty: [3] })).pc, { 'm2m:uril': ['cse-in/app/d/d2'] });
  assert.equal((await discover({ lbl: ['room/kitchen'] })).pc?.['m2m:uril']?.length, 1);
  assert.equal((await discover({ lbl: ['room/kitchen', 'room/hall'] })).pc?.['m2m:uril']?.length, 2);
  assert.equal((await discover({ ty: [3], lbl: ['room/kitchen'] })).pc?.['m2m:uril']?.length, 0, 'AND');
  assert.equal((await discover({ ty: [3], lbl: ['room/kitchen'], fo: 2 })).pc?.['m2m:uril']?.length, 2, 'OR');
  assert.equal((await discover({ lim: 1 })).pc?.['m2m:uril']?.length, 1);
  assert.equal((await ae.send({ op: 2, to: 'cse-in/app', fr: ae.aei, fc: { fu: 1, ty: [3], lvl: 1 } })).pc?.['m2m:uril']?.includes('cse-in/app/d/d2'), false);
  const unstructured = (await discover({ ty: [3] }, { drt: 2 })).pc?.['m2m:uril'];
  assert.match(unstructured?.[0] ?? '', /^cnt[a-z0-9]{10}$/);
  // From the CSEBase an AE finds only what it may retrieve.
  const all = (await ae.send({ op: 2, to: 'cse-in', fr: ae.aei, fc: { fu: 1, ty: [2] } })).pc?.['m2m:uril'];
  assert.deepEqual(all, ['cse-in/app']);
});
