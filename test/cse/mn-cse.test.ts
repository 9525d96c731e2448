/** An MN-CSE registered with an IN-CSE: forwarding both ways, notifications through the MN. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Notification } from '../../src/primitives/index.js';
import { Cleanup, admin, cse, registeredAe, waitFor } from './helpers.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

test('an AE under the MN-CSE subscribes to a container on the IN-CSE and is notified over the MN', async () => {
  const inCse = await cse(cleanup);
  const mnCse = await cse(cleanup, { cseId: '/id-mn', cseName: 'cse-mn', registrarUrl: inCse.urls[0]! });
  await waitFor(() => inCse.registrar.connectedIds().includes('/id-mn'));

  // The MN-CSE is a <remoteCSE> of the IN-CSE.
  const inAdmin = admin(cleanup, inCse.urls[0]!);
  const csr = (await inAdmin.send({ op: 2, to: 'cse-in/id-mn' })).pc?.['m2m:csr'];
  assert.equal(csr?.csi, '/id-mn');
  assert.equal(csr?.cb, '/id-mn/cse-mn');
  assert.deepEqual(csr?.poa, mnCse.urls);

  const ae = await registeredAe(cleanup, mnCse.urls[0]!, { rn: 'sensor' });
  // Up: AE → MN → IN (retrieve the IN's CSEBase; create a container there, owned by /id-mn/<aei>).
  const inBase = await ae.send({ op: 2, to: '/id-in/cse-in' });
  assert.equal(inBase.rsc, 2000);
  assert.equal(inBase.pc?.['m2m:cb']?.csi, '/id-in');
  const cnt = await ae.send({ op: 1, to: '//example.net/id-in/cse-in', ty: 3, pc: { 'm2m:cnt': { rn: 'remote' } } });
  assert.equal(cnt.rsc, 2001);
  assert.equal(cnt.pc?.['m2m:cnt']?.cr, `/id-mn/${ae.aei}`);
  const sub = await ae.send({ op: 1, to: '/id-in/cse-in/remote', ty: 23, pc: { 'm2m:sub': { nu: [`/id-mn/${ae.aei}`], enc: { net: [3] } } } });
  assert.equal(sub.rsc, 2001, JSON.stringify(sub));

  // An IN-side admin writes: the notification goes IN → MN → AE.
  assert.equal((await inAdmin.send({ op: 1, to: 'cse-in/remote', ty: 4, pc: { 'm2m:cin': { con: 'hello from IN' } } })).rsc, 2001);
  await waitFor(() => ae.inbox.length === 1, 5000, 'notification over the MN');
  const notification = ae.inbox[0]!;
  assert.equal(notification.to, `/id-mn/${ae.aei}`);
  assert.equal(notification.fr, '/id-in');
  assert.equal(((notification.pc?.['m2m:sgn'] as Notification).nev?.rep?.['m2m:cin'] as { con: string }).con, 'hello from IN');

  // Down: IN → MN (an IN admin retrieves the MN's CSEBase and the AE there).
  const mnBase = await inAdmin.send({ op: 2, to: '/id-mn/cse-mn' });
  assert.equal(mnBase.rsc, 2000);
  assert.equal(mnBase.pc?.['m2m:cb']?.cst, 2);
  assert.equal((await inAdmin.send({ op: 2, to: `/id-mn/${ae.aei}` })).rsc, 4103, 'the IN admin is not the MN admin');
  // A CSE nobody knows: the IN-CSE answers 4004 through the MN.
  assert.equal((await ae.send({ op: 2, to: '/id-unknown/cse-x' })).rsc, 4004);
});
