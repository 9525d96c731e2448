/**
 * A table of representative primitives (one per content shape we care about), used by the
 * cross-format tests and by the benchmark. Every one must survive model → format → model in
 * JSON, XML and CBOR unchanged.
 */
import type { Primitive, RequestPrimitive, ResponsePrimitive } from '../../src/primitives/index.js';

export const createContentInstance: RequestPrimitive = {
  op: 1, to: 'cse-in/myApp/myContainer', fr: 'Cmyapp', rqi: 'req-cin-0003', rvi: '4', ty: 4,
  pc: { 'm2m:cin': { rn: 'reading-42', cnf: 'text/plain:0', con: '21.5', lbl: ['temperature', 'room:12'] } },
};

export const retrieveContainerResponse: ResponsePrimitive = {
  rsc: 2000, rqi: 'req-cnt-0002', rvi: '4',
  pc: {
    'm2m:cnt': {
      rn: 'myContainer', ty: 3, ri: 'cnt5678', pi: 'Cmyapp', ct: '20250601T101600', lt: '20250601T102000',
      et: '20260601T101600', st: 2, cr: 'Cmyapp', mni: 10, mbs: 10000, cni: 2, cbs: 8,
      ch: [
        { nm: 'cin_a1', typ: 4, val: 'cse-in/myApp/myContainer/cin_a1' },
        { nm: 'cin_b2', typ: 4, val: 'cse-in/myApp/myContainer/cin_b2' },
      ],
    },
  },
};

export const notification: RequestPrimitive = {
  op: 5, to: 'Cmyapp', fr: '/id-in', rqi: 'ntf-77', rvi: '4', ot: '20250601T101500,123456',
  pc: {
    'm2m:sgn': {
      nev: { rep: { 'm2m:cin': { rn: 'cin_a3', ty: 4, ri: 'cin9', pi: 'cnt5678', con: '21.5', cnf: 'text/plain:0', st: 3, cs: 4 } }, net: 3 },
      sur: '/id-in/sub1234', cr: 'Cmyapp',
    },
  },
};

export const SAMPLE_PRIMITIVES: ReadonlyArray<readonly [string, Primitive]> = [
  ['create cin', createContentInstance],
  ['retrieve cnt response with child references', retrieveContainerResponse],
  ['notification m2m:sgn', notification],
  ['create AE (no fr)', {
    op: 1, to: 'cse-in', rqi: 'req-ae-0001', rvi: '4', ty: 2,
    pc: { 'm2m:ae': { rn: 'myApp', api: 'Nmyapp', rr: true, srv: ['3', '4'], lbl: ['building:A', 'sensor'], poa: ['ws://10.0.0.2:8080'] } },
  }],
  ['AE created response', {
    rsc: 2001, rqi: 'req-ae-0001', rvi: '4', to: 'Cmyapp', fr: '/id-in', ot: '20250601T101500',
    pc: { 'm2m:ae': { rn: 'myApp', ty: 2, ri: 'Cmyapp', pi: 'id-in', ct: '20250601T101500', lt: '20250601T101500', et: '20260601T101500', lbl: ['building:A', 'sensor'], api: 'Nmyapp', aei: 'Cmyapp', rr: true, srv: ['3', '4'], acpi: ['acp1', 'acp2'] } },
  }],
  ['create subscription', {
    op: 1, to: 'cse-in/myApp/myContainer', fr: 'Cmyapp', rqi: 'sub-1', rvi: '3', ty: 23,
    pc: { 'm2m:sub': { rn: 'sub1', enc: { net: [1, 3], chty: [4] }, nu: ['Cmyapp', 'http://example.com:9999/notify?ct=json'], nct: 1, bn: { num: 5, dur: 'PT10S' }, ln: false, exc: 10 } },
  }],
  ['create ACP', {
    op: 1, to: 'cse-in', fr: 'CAdmin', rqi: 'acp-1', rvi: '3', ty: 1,
    pc: { 'm2m:acp': { rn: 'acpMyApp', pv: { acr: [{ acor: ['Cmyapp', 'CAdmin'], acop: 63 }, { acor: ['all'], acop: 2 }] }, pvs: { acr: [{ acor: ['CAdmin'], acop: 63 }] } } },
  }],
  ['remoteCSE registration', {
    op: 1, to: '/id-in/cse-in', fr: '/id-mn', rqi: 'csr-1', rvi: '3', ty: 16,
    pc: { 'm2m:csr': { rn: 'id-mn', cst: 2, csi: '/id-mn', cb: '/id-mn/cse-mn', rr: true, poa: ['ws://mn.example.com:8081'], srv: ['3'], dcse: ['/id-asn1', '/id-asn2'] } },
  }],
  ['CSEBase retrieve response', {
    rsc: 2000, rqi: 'cb-1', rvi: '3',
    pc: { 'm2m:cb': { rn: 'cse-in', ty: 5, ri: 'id-in', ct: '20250101T000000', lt: '20250101T000000', cst: 1, csi: '/id-in', srt: [1, 2, 3, 4, 5, 16, 23], poa: ['ws://in.example.com:8080'], csz: ['application/json', 'application/cbor'], srv: ['2a', '3', '4'] } },
  }],
  ['error with m2m:dbg', { rsc: 4004, rqi: 'req-cnt-0002', rvi: '4', pc: { 'm2m:dbg': 'resource not found: <cse-in/x> & "y"' } }],
  ['create response with m2m:uri', { rsc: 2001, rqi: 'r2', rvi: '3', pc: { 'm2m:uri': 'cse-in/myApp/cnt1' } }],
  ['discovery request and m2m:uril response', {
    op: 2, to: 'cse-in', fr: 'Cmyapp', rqi: 'disc-1', rvi: '3', rcn: 6, drt: 2,
    fc: { fu: 1, ty: [3, 4], lbl: ['sensor'], lim: 10, cra: '20250101T000000', atr: [{ nm: 'apn', val: 'weather' }] },
  }],
  ['m2m:uril', { rsc: 2000, rqi: 'disc-1', rvi: '3', pc: { 'm2m:uril': ['cse-in/a', 'cse-in/b', 'cse-in/c'] } }],
  ['m2m:rrl with rrf', { rsc: 2000, rqi: 'disc-2', rvi: '3', pc: { 'm2m:rrl': { rrf: [{ nm: 'cnt1', typ: 3, val: 'cse-in/app/cnt1' }, { nm: 'cnt2', typ: 3, val: 'cse-in/app/cnt2' }] } } }],
  ['aggregated notification', {
    op: 5, to: 'Cmyapp', fr: '/id-in', rqi: 'agn-1', rvi: '3', ec: 4,
    pc: { 'm2m:agn': { 'm2m:sgn': [{ sur: '/id-in/sub1', vrq: true, cr: 'Cmyapp' }, { sur: '/id-in/sub1', sud: true }] } },
  }],
  ['async result: m2m:rsp inside pc', {
    op: 5, to: 'Cmyapp', fr: '/id-in', rqi: 'async-9', rvi: '3',
    pc: { 'm2m:rsp': { rsc: 2001, rqi: 'req-7', rvi: '3', pc: { 'm2m:uri': 'cse-in/x' } } },
  }],
  ['non-blocking asynch with notification URIs, timestamps', {
    op: 4, to: 'cse-in/myApp', fr: 'Cmyapp', rqi: 'del-1', rvi: '3', rcn: 0,
    rt: { rtv: 2, nu: ['Cmyapp'] }, rqet: '20250601T101500', rset: 60000, oet: 0, rp: 'PT5S', ec: 2, da: false,
    rids: ['role1'], tkns: ['tok1', 'tok2'], tqi: true, vsi: 'vendor info with spaces',
  }],
  ['retrieve cnt with inlined children (rcn 4)', {
    rsc: 2000, rqi: 'r4', rvi: '3',
    pc: { 'm2m:cnt': { rn: 'c', ty: 3, cni: 2, 'm2m:cin': [{ rn: 'i1', ty: 4, con: 'a' }, { rn: 'i2', ty: 4, con: 'b' }] } },
  }],
  ['update deleting attributes with null', {
    op: 3, to: 'cse-in/myApp', fr: 'Cmyapp', rqi: 'upd-1', rvi: '3',
    pc: { 'm2m:ae': { lbl: null, poa: ['ws://10.0.0.9:9000'], rr: false } },
  }],
  ['unknown parameters and attributes kept', {
    op: 2, to: 'cse-in/myApp', fr: 'Cmyapp', rqi: 'x-1', rvi: '5', ma: 'PT2S', zzVendor: 'keep me',
    pc: { 'm2m:atrl': ['rn', 'lbl'] },
  }],
  ['response with content status and offset', { rsc: 2000, rqi: 'p-1', rvi: '4', cnst: 1, cnot: 100, asri: false, vsi: 'v', pc: { 'm2m:cnt': { rn: 'big', ty: 3, xyz: 'unknown string attribute' } } }],
];
