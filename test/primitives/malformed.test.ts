/**
 * A malformed-input corpus: every entry must give the stated typed error, never throw, and a
 * mutation fuzz over valid payloads must never throw either.
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { decodePrimitive, encodePrimitive, type DecodeResult, type Serialization } from '../../src/primitives/index.js';
import { assertDecodeError, SERIALIZATIONS, toPayload } from './helpers.js';
import { prng as mulberry32 } from '../helpers/prng.js';
import { SAMPLE_PRIMITIVES } from './samples.js';

const M2M = 'xmlns:m2m="http://www.onem2m.org/xml/protocols"';
const deepJson = (depth: number) => '{"rsc":2000,"rqi":"q","pc":{"m2m:x":' + '['.repeat(depth) + ']'.repeat(depth) + '}}';
const deepXml = (depth: number) => `<m2m:rsp ${M2M}><rsc>2000</rsc><rqi>q</rqi><pc>` + '<a>'.repeat(depth) + '</a>'.repeat(depth) + '</pc></m2m:rsp>';
const deepCbor = (depth: number) => Buffer.concat([Buffer.from('a263727363' + '1907d0' + '6370637281'.slice(0, 0), 'hex'), Buffer.alloc(0)]) && cborMap(depth);

/** {rsc:2000, rqi:"q", pc:{"m2m:x": [[[...]]]}} nested `depth` arrays deep, as raw CBOR. */
function cborMap(depth: number): Buffer {
  return Buffer.concat([
    Buffer.from('a3' + '63727363' + '1907d0' + '63727169' + '6171' + '627063' + 'a1' + '656d326d3a78', 'hex'),
    Buffer.alloc(depth, 0x81), Buffer.from([0xf6]),
  ]);
}

function cbor(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}
/** CBOR: {rsc:2000, rqi:"q", x: <value>} */
function cborWith(valueHex: string): Buffer {
  return cbor('a3 63727363 1907d0 63727169 6171 6178' + valueHex);
}

type Case = readonly [name: string, serialization: Serialization, payload: Buffer, rsc: number, messageIncludes?: string, rqi?: string];

const CASES: Case[] = [
  // JSON
  ['empty JSON', 'json', Buffer.alloc(0), 4000, 'JSON'],
  ['truncated JSON keeps rqi', 'json', Buffer.from('{"op":1,"to":"x","rqi":"abc","pc":{"m2m:ae":'), 4000, 'JSON', 'abc'],
  ['JSON array at top', 'json', Buffer.from('[1,2]'), 4000, 'expected an object'],
  ['JSON string at top', 'json', Buffer.from('"op"'), 4000, 'expected an object'],
  ['JSON null', 'json', Buffer.from('null'), 4000, 'expected an object'],
  ['neither op nor rsc', 'json', Buffer.from('{"rqi":"q"}'), 4000, 'neither', 'q'],
  ['both op and rsc', 'json', Buffer.from('{"op":1,"rsc":2000,"rqi":"q"}'), 4000, 'both', 'q'],
  ['op out of range', 'json', Buffer.from('{"op":7,"to":"t","fr":"f","rqi":"q"}'), 4000, 'op: expected 1..5', 'q'],
  ['op not a number', 'json', Buffer.from('{"op":"one","to":"t","fr":"f","rqi":"q"}'), 4000, 'op: expected an integer', 'q'],
  ['op a float', 'json', Buffer.from('{"op":1.5,"to":"t","fr":"f","rqi":"q"}'), 4000, 'op: expected an integer'],
  ['op huge', 'json', Buffer.from('{"op":1e400,"to":"t","fr":"f","rqi":"q"}'), 4000, 'number out of range', 'q'],
  ['rsc beyond safe integers', 'json', Buffer.from('{"rsc":9007199254740993,"rqi":"q"}'), 4000, 'rsc', 'q'],
  ['rsc not a status code', 'json', Buffer.from('{"rsc":3000,"rqi":"q"}'), 4000, 'rsc: 3000'],
  ['number rqi', 'json', Buffer.from('{"rsc":2000,"rqi":12}'), 4000, 'rqi: expected a string'],
  ['numeric rvi (ACME: type mismatch)', 'json', Buffer.from('{"rsc":2000,"rqi":"q","rvi":3}'), 4000, 'rvi: expected a string', 'q'],
  ['unsupported rvi', 'json', Buffer.from('{"rsc":2000,"rqi":"q","rvi":"9"}'), 4001, 'rvi', 'q'],
  ['rt as a bare number', 'json', Buffer.from('{"op":2,"to":"t","fr":"f","rqi":"q","rt":3}'), 4000, 'rt: expected an object'],
  ['rt.rtv out of range', 'json', Buffer.from('{"op":2,"to":"t","fr":"f","rqi":"q","rt":{"rtv":6}}'), 4000, 'rt.rtv: expected 1..5'],
  ['rt.nu without rtv 2', 'json', Buffer.from('{"op":2,"to":"t","fr":"f","rqi":"q","rt":{"rtv":3,"nu":["x"]}}'), 4000, 'rt.nu'],
  ['missing to', 'json', Buffer.from('{"op":2,"fr":"f","rqi":"q"}'), 4000, 'to: missing', 'q'],
  ['missing rqi', 'json', Buffer.from('{"op":2,"to":"t","fr":"f"}'), 4000, 'rqi: missing'],
  ['missing fr outside AE create', 'json', Buffer.from('{"op":1,"to":"t","rqi":"q","ty":3,"pc":{"m2m:cnt":{}}}'), 4000, 'fr: missing'],
  ['create without ty', 'json', Buffer.from('{"op":1,"to":"t","fr":"f","rqi":"q","pc":{"m2m:cnt":{}}}'), 4000, 'ty: missing'],
  ['ty outside create', 'json', Buffer.from('{"op":2,"to":"t","fr":"f","rqi":"q","ty":3}'), 4000, 'ty: only allowed in CREATE'],
  ['fc in create', 'json', Buffer.from('{"op":1,"to":"t","fr":"f","rqi":"q","ty":3,"fc":{},"pc":{"m2m:cnt":{}}}'), 4000, 'fc: not allowed'],
  ['update without pc', 'json', Buffer.from('{"op":3,"to":"t","fr":"f","rqi":"q"}'), 4000, 'pc: missing'],
  ['pc with two members', 'json', Buffer.from('{"op":5,"to":"t","fr":"f","rqi":"q","pc":{"m2m:sgn":{},"m2m:dbg":"x"}}'), 4000, 'exactly one member'],
  ['pc not an object', 'json', Buffer.from('{"rsc":2000,"rqi":"q","pc":"x"}'), 4000, 'pc'],
  ['rcn invalid for retrieve', 'json', Buffer.from('{"op":2,"to":"t","fr":"f","rqi":"q","rcn":2}'), 4000, 'rcn: 2 not allowed for op 2'],
  ['rcn on notify', 'json', Buffer.from('{"op":5,"to":"t","fr":"f","rqi":"q","rcn":1,"pc":{"m2m:sgn":{}}}'), 4000, 'rcn'],
  ['boolean parameter wrong type', 'json', Buffer.from('{"op":2,"to":"t","fr":"f","rqi":"q","da":"yes"}'), 4000, 'da: expected a boolean'],
  ['list parameter wrong type', 'json', Buffer.from('{"op":2,"to":"t","fr":"f","rqi":"q","rids":"r1"}'), 4000, 'rids'],
  ['wrapper around a non-object', 'json', Buffer.from('{"m2m:rqp":[1]}'), 4000, 'm2m:rqp'],
  ['m2m:rsp wrapping a request', 'json', Buffer.from('{"m2m:rsp":{"op":2,"to":"t","fr":"f","rqi":"q"}}'), 4000, 'wraps a request', 'q'],
  ['deep JSON nesting', 'json', Buffer.from(deepJson(100)), 4000, 'nesting deeper than 32', 'q'],
  ['very deep JSON nesting', 'json', Buffer.from(deepJson(200_000)), 4000, undefined],
  ['invalid UTF-8 (lone continuation byte)', 'json', Buffer.from([0x7b, 0x22, 0x80, 0x22, 0x7d]), 4000, 'UTF-8'],
  ['invalid UTF-8 (overlong)', 'json', Buffer.concat([Buffer.from('{"rsc":2000,"rqi":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), 4000, 'UTF-8'],
  ['invalid UTF-8 (surrogate code point)', 'xml', Buffer.concat([Buffer.from(`<m2m:rsp ${M2M}><rsc>2000</rsc><rqi>`), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('</rqi></m2m:rsp>')]), 4000, 'UTF-8'],
  // XML
  ['empty XML', 'xml', Buffer.alloc(0), 4000, 'XML'],
  ['not XML', 'xml', Buffer.from('{"rsc":2000}'), 4000, 'XML'],
  ['truncated XML keeps rqi', 'xml', Buffer.from(`<m2m:rsp ${M2M}><rsc>2000</rsc><rqi>r-9</rqi><pc>`), 4000, 'XML', 'r-9'],
  ['unknown root', 'xml', Buffer.from(`<m2m:req ${M2M}><op>1</op></m2m:req>`), 4000, 'root'],
  ['unprefixed root without namespace', 'xml', Buffer.from('<rsp><rsc>2000</rsc><rqi>q</rqi></rsp>'), 4000, 'root'],
  ['DOCTYPE', 'xml', Buffer.from(`<!DOCTYPE m2m:rsp><m2m:rsp ${M2M}><rsc>2000</rsc><rqi>q</rqi></m2m:rsp>`), 4000, 'DOCTYPE', 'q'],
  ['billion laughs', 'xml', Buffer.from(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><m2m:rsp ${M2M}><rsc>2000</rsc><rqi>&lol3;</rqi></m2m:rsp>`), 4000, 'DOCTYPE'],
  ['external entity (XXE)', 'xml', Buffer.from(`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><m2m:rsp ${M2M}><rsc>2000</rsc><rqi>&x;</rqi></m2m:rsp>`), 4000, 'DOCTYPE'],
  ['undefined entity', 'xml', Buffer.from(`<m2m:rsp ${M2M}><rsc>2000</rsc><rqi>&x;</rqi></m2m:rsp>`), 4000, 'XML'],
  ['deep XML nesting', 'xml', Buffer.from(deepXml(100)), 4000, 'nesting deeper than 32'],
  ['mismatched tags', 'xml', Buffer.from(`<m2m:rsp ${M2M}><rsc>2000</rqi></m2m:rsp>`), 4000, 'XML'],
  ['number element not a number', 'xml', Buffer.from(`<m2m:rsp ${M2M}><rsc>20x0</rsc><rqi>q</rqi></m2m:rsp>`), 4000, 'rsc: expected a number', 'q'],
  ['number element Infinity', 'xml', Buffer.from(`<m2m:rsp ${M2M}><rsc>2000</rsc><rqi>q</rqi><cnot>1e999</cnot></m2m:rsp>`), 4000, 'cnot: expected a number'],
  ['boolean element wrong', 'xml', Buffer.from(`<m2m:rqp ${M2M}><op>2</op><to>t</to><fr>f</fr><rqi>q</rqi><da>maybe</da></m2m:rqp>`), 4000, 'da: expected a boolean'],
  ['known element repeated', 'xml', Buffer.from(`<m2m:rsp ${M2M}><rsc>2000</rsc><rqi>q</rqi><rqi>q</rqi></m2m:rsp>`), 4000, 'duplicate element rqi'],
  ['mixed content', 'xml', Buffer.from(`<m2m:rsp ${M2M}><rsc>2000</rsc><rqi>q</rqi><pc>text<m2m:dbg>x</m2m:dbg></pc></m2m:rsp>`), 4000, 'mixes text'],
  ['text where elements are expected', 'xml', Buffer.from(`<m2m:rqp ${M2M}><op>2</op><to>t</to><fr>f</fr><rqi>q</rqi><rt>3</rt></m2m:rqp>`), 4000, 'rt must contain elements'],
  ['unbound prefix', 'xml', Buffer.from(`<m2m:rsp ${M2M}><rsc>2000</rsc><rqi>q</rqi><x:y>1</x:y></m2m:rsp>`), 4000, 'XML'],
  ['two roots', 'xml', Buffer.from(`<m2m:rsp ${M2M}><rsc>2000</rsc><rqi>q</rqi></m2m:rsp><m2m:rsp ${M2M}/>`), 4000, 'XML'],
  ['empty root', 'xml', Buffer.from(`<m2m:rsp ${M2M}/>`), 4000, 'empty'],
  // CBOR
  ['empty CBOR', 'cbor', Buffer.alloc(0), 4000, 'empty'],
  ['truncated CBOR keeps rqi', 'cbor', cbor('a3 63727363 1907d0 63727169 627231 6170'), 4000, 'CBOR', 'r1'],
  ['CBOR trailing bytes', 'cbor', Buffer.concat([cbor('a2 63727363 1907d0 63727169 6171'), Buffer.from([0x00])]), 4000, 'CBOR'],
  ['CBOR array at top', 'cbor', cbor('82 01 02'), 4000, 'expected an object'],
  ['CBOR date tag', 'cbor', cborWith('c0 74 323032352d30362d30315431303a31353a30305a'), 4000, 'tag'],
  ['CBOR epoch tag', 'cbor', cborWith('c1 1a 5f5e1000'), 4000, 'tag'],
  ['CBOR unknown tag', 'cbor', cborWith('d9 0fa0 01'), 4000, 'tag 4000'],
  ['CBOR set tag 258', 'cbor', cborWith('d9 0102 82 01 02'), 4000, 'tagged value'],
  ['CBOR regexp tag 27', 'cbor', cborWith('d8 1b 83 66526567457870 62612a 60'), 4000, undefined],
  ['CBOR shared-reference cycle (tags 28/29)', 'cbor', cborWith('d8 1c a1 6161 d8 1d 00'), 4000, 'nesting'],
  ['CBOR bignum tag beyond safe integers', 'cbor', cborWith('c2 49 010000000000000000'), 4000, 'integer out of range'],
  ['CBOR uint64 beyond safe integers', 'cbor', cborWith('1b ffffffffffffffff'), 4000, 'integer out of range'],
  ['CBOR undefined', 'cbor', cborWith('f7'), 4000, 'undefined'],
  ['CBOR NaN', 'cbor', cborWith('f9 7e00'), 4000, 'number out of range'],
  ['CBOR byte-string value not UTF-8', 'cbor', cborWith('42 c0af'), 4000, 'UTF-8'],
  ['CBOR huge declared array', 'cbor', cborWith('9b 00000000ffffffff'), 4000, undefined],
  ['CBOR huge declared string', 'cbor', cborWith('7a ffffffff 61'), 4000, undefined],
  ['CBOR reserved additional info', 'cbor', cborWith('1c'), 4000, undefined],
  ['CBOR deep nesting', 'cbor', cborMap(100), 4000, 'nesting deeper than 32'],
  ['CBOR very deep nesting', 'cbor', cborMap(100_000), 4000, undefined],
];

describe('malformed input corpus', () => {
  for (const [name, serialization, payload, rsc, messageIncludes, rqi] of CASES) {
    it(`${serialization}: ${name}`, () => {
      let result: DecodeResult | undefined;
      assert.doesNotThrow(() => { result = decodePrimitive(payload, serialization, { supportedReleases: ['2a', '3', '4', '5'] }); });
      assertDecodeError(result!, rsc, messageIncludes, rqi);
    });
  }

  it('deep CBOR helper is well-formed at a legal depth', () => {
    assert.equal(decodePrimitive(cborMap(10), 'cbor').ok, true);
    assert.equal(decodePrimitive(Buffer.from(deepJson(10)), 'json').ok, true);
    assert.equal(decodePrimitive(Buffer.from(deepXml(10)), 'xml').ok, true);
    assert.ok(deepCbor(1).length > 0);
  });

  it('size limits are enforced before parsing and are configurable', () => {
    const payload = Buffer.from(JSON.stringify({ rsc: 2000, rqi: 'q', pc: { 'm2m:dbg': 'x'.repeat(2000) } }));
    for (const serialization of SERIALIZATIONS) {
      assertDecodeError(decodePrimitive(payload, serialization, { limits: { maxBytes: 1000 } }), 4000, 'larger than 1000 bytes');
    }
    const many = JSON.stringify({ rsc: 2000, rqi: 'q', pc: { 'm2m:uril': Array.from({ length: 500 }, (_, i) => `u${i}`) } });
    assertDecodeError(decodePrimitive(Buffer.from(many), 'json', { limits: { maxNodes: 100 } }), 4000, 'too many values');
    const model = JSON.parse(many);
    assertDecodeError(decodePrimitive(encodePrimitive(model, 'cbor'), 'cbor', { limits: { maxNodes: 100 } }), 4000, 'too many values');
    const references = { rsc: 2000, rqi: 'q', pc: { 'm2m:rrl': { rrf: Array.from({ length: 500 }, (_, i) => ({ nm: `n${i}`, typ: 3, val: `v${i}` })) } } };
    assertDecodeError(decodePrimitive(Buffer.from(encodePrimitive(references, 'xml')), 'xml', { limits: { maxNodes: 100 } }), 4000, 'too many');
    assert.equal(decodePrimitive(Buffer.from(deepJson(40)), 'json', { limits: { maxDepth: 64 } }).ok, true);
  });

  it('CBOR oddities cbor-x smooths over are documented leniencies, not crashes', () => {
    // integer keys become their decimal text; invalid UTF-8 in text strings becomes U+FFFD;
    // a legacy record (tag 105) becomes a plain object
    const integerKey = decodePrimitive(cbor('a3 63727363 1907d0 63727169 6171 01 02'), 'cbor');
    assert.deepStrictEqual(integerKey.ok && integerKey.primitive, { 1: 2, rsc: 2000, rqi: 'q' });
    const badText = decodePrimitive(cborWith('62 c0af'), 'cbor');
    assert.deepStrictEqual(badText.ok && badText.primitive, { rsc: 2000, rqi: 'q', x: '\ufffd\ufffd' });
    const record = decodePrimitive(cborWith('d8 69 83 19e000 81 6161 01'), 'cbor');
    assert.deepStrictEqual(record.ok && record.primitive, { rsc: 2000, rqi: 'q', x: { a: 1 } });
  });

  it('an unknown serialization is answered 4015, not thrown', () => {
    assertDecodeError(decodePrimitive(Buffer.from('{}'), 'yaml' as Serialization), 4015);
  });

  it('a CBOR __proto__ key cannot change a prototype', () => {
    const payload = cbor('a3 63727363 1907d0 63727169 6171 69 5f5f70726f746f5f5f a1 66 706f6c6c7574 f5');
    const result = decodePrimitive(payload, 'cbor');
    assert.equal(result.ok, true);
    assert.equal(({} as { pollut?: unknown }).pollut, undefined);
    if (result.ok) assert.equal(Object.getPrototypeOf(result.primitive), Object.prototype);
  });

  it('random mutations of valid payloads never throw (seeded)', () => {
    const random = mulberry32(0xC0FFEE);
    let errors = 0;
    let decoded = 0;
    for (const [, model] of SAMPLE_PRIMITIVES) {
      for (const serialization of SERIALIZATIONS) {
        const valid = toPayload(encodePrimitive(JSON.parse(JSON.stringify(model)), serialization));
        for (let round = 0; round < 30; round++) {
          const mutated = Buffer.from(valid);
          const edits = 1 + Math.floor(random() * 4);
          for (let e = 0; e < edits; e++) {
            const at = Math.floor(random() * mutated.length);
            const action = random();
            if (action < 0.5) mutated[at] = Math.floor(random() * 256);
            else if (action < 0.8) mutated[at] ^= 1 << Math.floor(random() * 8);
            else mutated[at] = mutated[Math.floor(random() * mutated.length)]!;
          }
          const cut = random() < 0.2 ? mutated.subarray(0, Math.floor(random() * mutated.length)) : mutated;
          const result = decodePrimitive(cut, serialization);
          if (result.ok) decoded++;
          else {
            errors++;
            assert.ok(result.error.rsc === 4000 || result.error.rsc === 4001, result.error.message);
            assert.equal(typeof result.error.message, 'string');
          }
        }
      }
    }
    assert.ok(errors > 500, `only ${errors} mutations were refused`);
    assert.ok(decoded + errors === SAMPLE_PRIMITIVES.length * 3 * 30);
  });
});
