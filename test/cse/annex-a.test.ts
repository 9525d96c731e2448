/** TS-0020 Annex A: an AE registers and creates a container, in each serialization, checked field by field. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cleanup, client, cse } from './helpers.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const TIMESTAMP = /^\d{8}T\d{6}$/;

for (const serialization of ['json', 'xml', 'cbor'] as const) {
  test(`Annex A flow over oneM2M.${serialization}`, async () => {
    const { urls } = await cse(cleanup, { serializations: [serialization] });
    const ae = client(cleanup, urls[0]!, { serializations: [serialization] });

    const registration = await ae.send({ op: 1, to: '/id-in/cse-in', rqi: 'A1000', ty: 2, pc: { 'm2m:ae': { rn: 'SmartHomeApplication', api: 'Na56', apn: 'app1234', rr: true, srv: ['3'] } } });
    assert.equal(ae.registree.connection?.ws.protocol, `oneM2M.${serialization}`);
    assert.equal(registration.rsc, 2001);
    assert.equal(registration.rqi, 'A1000');
    assert.equal(registration.rvi, '3');
    assert.equal(registration.fr, '/id-in');
    const aeResource = registration.pc?.['m2m:ae'];
    assert.ok(aeResource);
    const aei = aeResource.aei!;
    assert.match(aei, /^C[a-z0-9]{10}$/);
    assert.equal(aeResource.rn, 'SmartHomeApplication');
    assert.equal(aeResource.ty, 2);
    assert.equal(aeResource.ri, aei);
    assert.equal(aeResource.pi, 'id-in');
    assert.equal(aeResource.api, 'Na56');
    assert.equal(aeResource.apn, 'app1234');
    assert.equal(aeResource.rr, true);
    assert.deepEqual(aeResource.srv, ['3']);
    assert.match(aeResource.ct!, TIMESTAMP);
    assert.match(aeResource.lt!, TIMESTAMP);
    assert.equal(ae.registree.originator, aei, 'the registree learned its AE-ID');

    const container = await ae.send({ op: 1, to: '//example.net/id-in/cse-in/SmartHomeApplication', fr: aei, rqi: 'A1001', ty: 3, pc: { 'm2m:cnt': { rn: 'SmartHomeContainer', mbs: 100000, mni: 500 } } });
    assert.equal(container.rsc, 2001);
    assert.equal(container.rqi, 'A1001');
    assert.equal(container.to, aei);
    const cnt = container.pc?.['m2m:cnt'];
    assert.ok(cnt);
    assert.equal(cnt.rn, 'SmartHomeContainer');
    assert.equal(cnt.ty, 3);
    assert.match(cnt.ri!, /^cnt[a-z0-9]{10}$/);
    assert.equal(cnt.pi, aei);
    assert.equal(cnt.cr, aei);
    assert.equal(cnt.st, 0);
    assert.equal(cnt.mni, 500);
    assert.equal(cnt.mbs, 100000);
    assert.equal(cnt.cni, 0);
    assert.equal(cnt.cbs, 0);
    assert.match(cnt.ct!, TIMESTAMP);

    // The CSEBase as a registered AE sees it.
    const base = await ae.send({ op: 2, to: 'cse-in', fr: aei });
    assert.equal(base.rsc, 2000);
    const cb = base.pc?.['m2m:cb'];
    assert.equal(cb?.csi, '/id-in');
    assert.equal(cb?.rn, 'cse-in');
    assert.equal(cb?.ty, 5);
    assert.equal(cb?.cst, 1);
    assert.deepEqual(cb?.poa, urls);
    assert.deepEqual(cb?.srt, [2, 3, 4, 5, 16, 23]);
  });
}
