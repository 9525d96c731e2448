/**
 * Fuzz (CI length): the primitive codecs. Valid JSON / XML / CBOR primitives (plain and
 * Release-2 wrapped, plus depth bombs, DOCTYPE entities, huge CBOR lengths) mutated byte-wise
 * (bit flips, boundary bytes, truncation, duplication, 16/32-bit field edits, splices) and noise
 * go through decodePrimitive: it must never throw, refuse only with rsc 4000/4001, and whatever
 * it accepts must re-encode (or be refused by the encoder with PrimitiveEncodeError) and decode
 * again.
 * Long mode: npx tsx bench/fuzz.ts --target json|xml|cbor --seconds 600 --seed 1
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cborTarget, jsonTarget, xmlTarget } from '../../bench/lib/fuzz-targets.js';
import { decodePrimitive, encodePrimitive } from '../../src/primitives/index.js';
import { fuzzClean } from './helpers.js';

const ALLOWED = /^(request|response|rsc (4000|4001)|(request|response) \(not re-encodable\))$/;

for (const [target, cases] of [[jsonTarget, 20_000], [xmlTarget, 8000], [cborTarget, 15_000]] as const) {
  test(`${target.name} decode fuzz, seed 1: never throws, rsc 4000/4001 only, accepted input round-trips`, async () => {
    const report = await fuzzClean(target, 1, cases, 3);
    for (const o of Object.keys(report.outcomes)) assert.match(o, ALLOWED);
    assert.ok((report.outcomes['rsc 4000'] ?? 0) > 0);
    assert.ok((report.outcomes.request ?? 0) + (report.outcomes.response ?? 0) > 0, 'no mutated input decoded at all');
  });
}

// Found by the XML fuzzer (seed 1). The decoder kept any attribute of a simple-content element
// as a member (`<ch nm="a" tp="4">x/a</ch>` gave { nm, tp, val }); the encoder wrote the unknown
// one as a child element after the text, which the decoder then refused ("ch mixes text and
// elements"). Now an attribute the encoder would not write as one is refused up front (4000).
test('xml: an unknown attribute on simple content is refused, or re-encodes to decodable XML', () => {
  const input = Buffer.from(
    '<m2m:rsp xmlns:m2m="http://www.onem2m.org/xml/protocols"><rsc>2000</rsc><rqi>r1</rqi><pc><m2m:cnt rn="c"><ch nm="a" tp="4">x/a</ch></m2m:cnt></pc><rvi>4</rvi></m2m:rsp>',
  );
  const first = decodePrimitive(input, 'xml');
  if (!first.ok) {
    assert.equal(first.error.rsc, 4000);
    return;
  }
  const again = decodePrimitive(Buffer.from(encodePrimitive(first.primitive, 'xml')), 'xml');
  assert.equal(again.ok, true, again.ok ? '' : again.error.message);
});

// Same family, found by the XML fuzzer (seed 7, case 142995): `<m2m:cnt bn="c">` gave { bn: 'c' };
// `bn` has element content, so the encoder wrote `<bn>c</bn>`, which the decoder refused.
test('xml: an attribute whose member must be an element is refused, not accepted as a string', () => {
  const input = Buffer.from(
    '<m2m:rsp xmlns:m2m="http://www.onem2m.org/xml/protocols"><rsc>2000</rsc><rqi>r1</rqi><pc><m2m:cnt bn="c"><ty>3</ty></m2m:cnt></pc><rvi>4</rvi></m2m:rsp>',
  );
  const first = decodePrimitive(input, 'xml');
  assert.equal(first.ok, false, 'refused up front');
  assert.equal(!first.ok && first.error.rsc, 4000);
});
