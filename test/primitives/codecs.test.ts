/**
 * The table of primitives encoded in all three formats decodes to the identical model, plus the
 * format-specific rules: XML shape and order, JSON wrapping, CBOR preferred serialization.
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import {
  decodePrimitive, encodePrimitive, PrimitiveEncodeError, ResponseStatusCode, responseStatusClass, responseStatusName,
  type Primitive,
} from '../../src/primitives/index.js';
import { assertDecodeError, assertRoundTrip, clone, decodeOk, SERIALIZATIONS, toPayload } from './helpers.js';
import { SAMPLE_PRIMITIVES } from './samples.js';

describe('table of primitives: identical model through JSON, XML and CBOR', () => {
  for (const [label, model] of SAMPLE_PRIMITIVES) {
    it(label, () => {
      const decoded = SERIALIZATIONS.map((serialization) => {
        assertRoundTrip(clone(model), serialization, label);
        return decodeOk(toPayload(encodePrimitive(clone(model), serialization)), serialization);
      });
      assert.deepStrictEqual(decoded[1], decoded[0]);
      assert.deepStrictEqual(decoded[2], decoded[0]);
    });
  }
});

const REFERENCE_AE_XML = `<?xml version="1.0" encoding="UTF-8"?>
<m2m:rqp xmlns:m2m="http://www.onem2m.org/xml/protocols">
  <op>1</op>
  <to>cse-in</to>
  <fr>C</fr>
  <rqi>req-ae-0001</rqi>
  <ty>2</ty>
  <pc>
    <m2m:ae rn="myApp">
      <lbl>building:A sensor</lbl>
      <api>Nmyapp</api>
      <rr>true</rr>
      <srv>3 4</srv>
    </m2m:ae>
  </pc>
  <rvi>4</rvi>
</m2m:rqp>`;

const REFERENCE_CNT_XML = `<?xml version="1.0" encoding="UTF-8"?>
<m2m:rsp xmlns:m2m="http://www.onem2m.org/xml/protocols">
  <rsc>2000</rsc>
  <rqi>req-cnt-0002</rqi>
  <pc>
    <m2m:cnt rn="myContainer">
      <ty>3</ty>
      <ri>cnt5678</ri>
      <pi>Cmyapp</pi>
      <ct>20250601T101600</ct>
      <lt>20250601T102000</lt>
      <et>20260601T101600</et>
      <st>2</st>
      <cr>Cmyapp</cr>
      <mni>10</mni>
      <mbs>10000</mbs>
      <cni>2</cni>
      <cbs>8</cbs>
      <ch nm="cin_a1" typ="4">cse-in/myApp/myContainer/cin_a1</ch>
      <ch nm="cin_b2" typ="4">cse-in/myApp/myContainer/cin_b2</ch>
    </m2m:cnt>
  </pc>
  <rvi>4</rvi>
</m2m:rsp>`;

describe('XML', () => {
  it('the reference AE CREATE decodes to the reference JSON model', () => {
    const fromXml = decodeOk(Buffer.from(REFERENCE_AE_XML), 'xml');
    const fromJson = decodeOk(Buffer.from(JSON.stringify({
      op: 1, to: 'cse-in', fr: 'C', rqi: 'req-ae-0001', rvi: '4', ty: 2,
      pc: { 'm2m:ae': { rn: 'myApp', api: 'Nmyapp', rr: true, srv: ['3', '4'], lbl: ['building:A', 'sensor'] } },
    })), 'json');
    assert.deepStrictEqual(fromXml, fromJson);
  });

  it('the reference container response decodes with ch as repeated references', () => {
    const model = decodeOk(Buffer.from(REFERENCE_CNT_XML), 'xml') as { pc: { 'm2m:cnt': Record<string, unknown> } };
    const cnt = model.pc['m2m:cnt'];
    assert.deepStrictEqual(cnt.ch, [
      { nm: 'cin_a1', typ: 4, val: 'cse-in/myApp/myContainer/cin_a1' },
      { nm: 'cin_b2', typ: 4, val: 'cse-in/myApp/myContainer/cin_b2' },
    ]);
    assert.equal(cnt.mbs, 10000);
    assert.equal(cnt.rn, 'myContainer');
  });

  it('writes the reference shape: namespace, root, rn attribute, lists, schema order', () => {
    const model = decodeOk(Buffer.from(REFERENCE_CNT_XML), 'xml');
    const xml = encodePrimitive(model, 'xml');
    const compact = REFERENCE_CNT_XML.replace(/>\s+</g, '><').replace('?><', '?><');
    assert.equal(xml, compact);
    const ae = encodePrimitive(decodeOk(Buffer.from(REFERENCE_AE_XML), 'xml'), 'xml');
    assert.equal(ae, REFERENCE_AE_XML.replace(/>\s+</g, '><'));
  });

  it('orders members by the schema whatever the model order', () => {
    const xml = encodePrimitive({ rvi: '3', pc: { 'm2m:uri': 'x' }, rqi: 'q', rsc: 2001 }, 'xml');
    assert.ok(xml.includes('<rsc>2001</rsc><rqi>q</rqi><pc><m2m:uri>x</m2m:uri></pc><rvi>3</rvi>'), xml);
  });

  it('escapes text and attributes and reads them back', () => {
    const model: Primitive = {
      rsc: 2000, rqi: 'a&b<c>"d"', rvi: '3',
      pc: { 'm2m:cnt': { rn: 'x"&<>\t\n', ty: 3, lbl: ['a&b', '<c>'], xyz: 'line1\r\nline2 ]]> end' } },
    };
    const xml = encodePrimitive(model, 'xml');
    assert.ok(!xml.includes('a&b<'), xml);
    assert.deepStrictEqual(decodeOk(Buffer.from(xml), 'xml'), model);
  });

  it('refuses to write what XML cannot carry', () => {
    const control: Primitive = { rsc: 2000, rqi: 'q\u0001' };
    assert.throws(() => encodePrimitive(control, 'xml'), PrimitiveEncodeError);
    const spacedList: Primitive = { rsc: 2000, rqi: 'q', pc: { 'm2m:ae': { lbl: ['has space'] } } };
    assert.throws(() => encodePrimitive(spacedList, 'xml'), PrimitiveEncodeError);
    const badName: Primitive = { rsc: 2000, rqi: 'q', 'bad name': 'x' };
    assert.throws(() => encodePrimitive(badName, 'xml'), PrimitiveEncodeError);
  });

  it('accepts any prefix bound to the oneM2M namespace, CDATA, comments and character references', () => {
    const xml = `<?xml version="1.0"?><!-- hi --><p:rsp xmlns:p="http://www.onem2m.org/xml/protocols"><rsc>2000</rsc>
      <rqi><![CDATA[r<1>]]></rqi><pc><p:dbg>caf&#233; &amp; more</p:dbg></pc></p:rsp>`;
    assert.deepStrictEqual(decodeOk(Buffer.from(xml), 'xml'), { rsc: 2000, rqi: 'r<1>', pc: { 'm2m:dbg': 'café & more' } });
  });

  it('keeps unknown elements: text as string, repeated as list, nested as object', () => {
    const xml = `<m2m:rqp xmlns:m2m="http://www.onem2m.org/xml/protocols"><op>2</op><to>t</to><fr>f</fr><rqi>q</rqi>
      <ext>a</ext><ext>b</ext><obj><k>v</k></obj><rvi>3</rvi></m2m:rqp>`;
    const model = decodeOk(Buffer.from(xml), 'xml');
    assert.deepStrictEqual(model, { op: 2, to: 't', fr: 'f', rqi: 'q', ext: ['a', 'b'], obj: { k: 'v' }, rvi: '3' });
  });

  it('a __proto__ element or attribute stays a plain member', () => {
    const xml = `<m2m:rsp xmlns:m2m="http://www.onem2m.org/xml/protocols"><rsc>2000</rsc><rqi>q</rqi>
      <pc><m2m:cnt rn="c"><__proto__><polluted>yes</polluted></__proto__><constructor>x</constructor></m2m:cnt></pc></m2m:rsp>`;
    const model = decodeOk(Buffer.from(xml), 'xml') as { pc: { 'm2m:cnt': Record<string, unknown> } };
    const cnt = model.pc['m2m:cnt'];
    assert.equal(Object.getPrototypeOf(cnt), Object.prototype);
    assert.ok(Object.hasOwn(cnt, '__proto__'));
    assert.equal((cnt as { polluted?: unknown }).polluted, undefined);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  it('root element decides the direction and must agree with op / rsc', () => {
    const xml = `<m2m:rqp xmlns:m2m="http://www.onem2m.org/xml/protocols"><rsc>2000</rsc><rqi>q</rqi></m2m:rqp>`;
    assertDecodeError(decodePrimitive(Buffer.from(xml), 'xml'), 4000, 'wraps a response', 'q');
    const wrongNs = `<m2m:rsp xmlns:m2m="urn:other"><rsc>2000</rsc><rqi>q</rqi></m2m:rsp>`;
    assertDecodeError(decodePrimitive(Buffer.from(wrongNs), 'xml'), 4000, 'root');
  });
});

describe('JSON', () => {
  it('emits bare primitives, wrapped on request; both decode alike', () => {
    const [, model] = SAMPLE_PRIMITIVES[1]!;
    const bare = encodePrimitive(clone(model), 'json');
    const wrapped = encodePrimitive(clone(model), 'json', { wrapped: true });
    assert.ok(bare.startsWith('{"rsc":2000'));
    assert.ok(wrapped.startsWith('{"m2m:rsp":{"rsc":2000'));
    assert.deepStrictEqual(decodeOk(Buffer.from(wrapped), 'json'), decodeOk(Buffer.from(bare), 'json'));
  });

  it('converts stringified parameters as ACME does, but not resource attributes', () => {
    const model = decodeOk(Buffer.from(JSON.stringify({
      op: '2', to: 't', fr: 'f', rqi: 'q', rvi: '3', rcn: '1', drt: '2', sqi: 'false', rt: { rtv: '3' }, rqet: '5000',
      pc: { 'm2m:atrl': ['rr'] },
    })), 'json');
    assert.deepStrictEqual(model, {
      op: 2, to: 't', fr: 'f', rqi: 'q', rvi: '3', rcn: 1, drt: 2, sqi: false, rt: { rtv: 3 }, rqet: 5000,
      pc: { 'm2m:atrl': ['rr'] },
    });
    const ae = decodeOk(Buffer.from(JSON.stringify({ rsc: '2001', rqi: 'q', pc: { 'm2m:ae': { rr: 'true' } } })), 'json');
    assert.deepStrictEqual(ae, { rsc: 2001, rqi: 'q', pc: { 'm2m:ae': { rr: 'true' } } });
  });

  it('accepts a UTF-8 BOM and a Uint8Array that is not a Buffer', () => {
    const bytes = new Uint8Array(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"rsc":2000,"rqi":"q"}')]));
    assert.deepStrictEqual(decodeOk(bytes, 'json'), { rsc: 2000, rqi: 'q' });
  });
});

describe('CBOR', () => {
  it('matches the reference encoding byte for byte (text strings, shortest heads)', () => {
    const request: Primitive = { op: 1, to: '/id-in/cse-in', fr: 'Cmyapp', rqi: 'r1', rvi: '3', ty: 2, pc: { 'm2m:ae': { rn: 'myApp', api: 'Nmyapp', rr: true, srv: ['3'] } } };
    assert.equal(encodePrimitive(request, 'cbor').toString('hex'),
      'a7626f700162746f6d2f69642d696e2f6373652d696e62667266436d796170706372716962723163727669613362747902627063a1666d326d3a6165a462726e656d7941707063617069664e6d79617070627272f563737276816133');
    assert.equal(encodePrimitive({ rsc: 2001, rqi: 'r1', rvi: '3' }, 'cbor').toString('hex'), 'a3637273631907d163727169627231637276696133');
  });

  it('writes integers above 2^32 as integers, non-integers as float32 when exact, else float64', () => {
    const hex = encodePrimitive({ rsc: 2000, rqi: 'q', big: 2 ** 40, neg: -(2 ** 40), half: 0.5, third: 1 / 3 }, 'cbor').toString('hex');
    assert.ok(hex.includes('1b0000010000000000'), hex);
    assert.ok(hex.includes('3b000000ffffffffff'), hex);
    assert.ok(hex.includes('fa3f000000'), hex);
    assert.ok(hex.includes('fb3fd5555555555555'), hex);
    const model = decodeOk(encodePrimitive({ rsc: 2000, rqi: 'q', big: 2 ** 40, neg: -(2 ** 40), half: 0.5, third: 1 / 3 }, 'cbor'), 'cbor');
    assert.deepStrictEqual(model, { rsc: 2000, rqi: 'q', big: 2 ** 40, neg: -(2 ** 40), half: 0.5, third: 1 / 3 });
  });

  it('reads the TS-0004 example style with byte-string keys and values', () => {
    // {op:1, to:"//example.net/mncse1234", rqi:"A1000", rcn:1, ty:2, pc:{"m2m:ae":{api:"Na56"}}} with major type 2 strings
    const bytes = byteStringCbor({ op: 1, to: '//example.net/mncse1234', rqi: 'A1000', rcn: 1, ty: 2, pc: { 'm2m:ae': { api: 'Na56', rn: 'x' } } });
    assert.deepStrictEqual(decodeOk(bytes, 'cbor'), { op: 1, to: '//example.net/mncse1234', rqi: 'A1000', rcn: 1, ty: 2, pc: { 'm2m:ae': { api: 'Na56', rn: 'x' } } });
    assertDecodeError(decodePrimitive(bytes, 'cbor', { cborByteStringsAsText: false }), 4000, 'text strings');
  });

  it('round-trips non-ASCII and long strings', () => {
    const long = 'ü€😀'.repeat(300);
    const model: Primitive = { rsc: 2000, rqi: 'ßq😀', pc: { 'm2m:dbg': long } };
    for (const serialization of SERIALIZATIONS) assertRoundTrip(model, serialization);
  });
});

describe('status codes', () => {
  it('are named constants with classes, unknown codes still classified', () => {
    assert.equal(ResponseStatusCode.OK, 2000);
    assert.equal(ResponseStatusCode.RELEASE_VERSION_NOT_SUPPORTED, 4001);
    assert.equal(responseStatusName(4004), 'NOT_FOUND');
    assert.equal(responseStatusName(4999), undefined);
    assert.equal(responseStatusClass(4999), 'originatorError');
    assert.equal(responseStatusClass(3000), undefined);
  });
});

/** A tiny CBOR writer using byte strings (major 2) for every string, like the TS-0004 examples. */
function byteStringCbor(value: unknown): Buffer {
  const parts: Buffer[] = [];
  const head = (major: number, n: number) => parts.push(n < 24 ? Buffer.from([major | n]) : n < 256 ? Buffer.from([major | 24, n]) : Buffer.from([major | 25, n >> 8, n & 255]));
  const write = (v: unknown): void => {
    if (typeof v === 'string') { const b = Buffer.from(v); head(0x40, b.length); parts.push(b); }
    else if (typeof v === 'number') head(0x00, v);
    else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      head(0xa0, entries.length);
      for (const [k, x] of entries) { write(k); write(x); }
    }
  };
  write(value);
  return Buffer.concat(parts);
}
