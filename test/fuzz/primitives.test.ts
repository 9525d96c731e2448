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
import { cborTarget, jsonTarget, KNOWN_XML_BUG, xmlTarget } from '../../bench/lib/fuzz-targets.js';
import { decodePrimitive, encodePrimitive } from '../../src/primitives/index.js';
import { fuzzClean } from './helpers.js';

const ALLOWED = /^(request|response|rsc (4000|4001)|(request|response) \(not re-encodable\))$/;

for (const [target, cases] of [[jsonTarget, 20_000], [xmlTarget, 8000], [cborTarget, 15_000]] as const) {
  test(`${target.name} decode fuzz, seed 1: never throws, rsc 4000/4001 only, accepted input round-trips`, async () => {
    const report = await fuzzClean(target, 1, cases, 3);
    for (const o of Object.keys(report.outcomes)) if (o !== KNOWN_XML_BUG) assert.match(o, ALLOWED);
    assert.ok((report.outcomes['rsc 4000'] ?? 0) > 0);
    assert.ok((report.outcomes.request ?? 0) + (report.outcomes.response ?? 0) > 0, 'no mutated input decoded at all');
  });
}

// Found by the XML fuzzer (seed 1). The decoder keeps any attribute of a simple-content element
// as a member (`<ch nm="a" tp="4">x/a</ch>` gives { nm, tp, val }); the encoder writes the members
// it does not know as attributes as child elements after the text (`<ch nm="a">x/a<tp>4</tp></ch>`),
// which the decoder then refuses ("ch mixes text and elements"). A primitive we accepted cannot
// be forwarded in XML.
test('xml: a decoded primitive with an unknown attribute on simple content re-encodes to decodable XML', { todo: 'xml-encode.ts writeMembers writes non-attribute members of a simple-content element as child elements (mixed content)' }, () => {
  const input = Buffer.from(
    '<m2m:rsp xmlns:m2m="http://www.onem2m.org/xml/protocols"><rsc>2000</rsc><rqi>r1</rqi><pc><m2m:cnt rn="c"><ch nm="a" tp="4">x/a</ch></m2m:cnt></pc><rvi>4</rvi></m2m:rsp>',
  );
  const first = decodePrimitive(input, 'xml');
  assert.equal(first.ok, true);
  if (!first.ok) return;
  const again = decodePrimitive(Buffer.from(encodePrimitive(first.primitive, 'xml')), 'xml');
  assert.equal(again.ok, true, again.ok ? '' : again.error.message);
});

// Same family, found by the XML fuzzer (seed 7, case 142995): an attribute is accepted whatever
// the member's schema type. `<m2m:cnt bn="c">` gives { bn: 'c' }; `bn` is an element with
// element content, so the encoder writes `<bn>c</bn>` and the decoder refuses it ("bn must
// contain elements, not text"). The decoder should refuse such an attribute (4000) up front.
test('xml: an attribute whose member must be an element is refused, not accepted as a string', { todo: 'xml-decode.ts keeps attribute values without checking the member kind in the schema' }, () => {
  const input = Buffer.from(
    '<m2m:rsp xmlns:m2m="http://www.onem2m.org/xml/protocols"><rsc>2000</rsc><rqi>r1</rqi><pc><m2m:cnt bn="c"><ty>3</ty></m2m:cnt></pc><rvi>4</rvi></m2m:rsp>',
  );
  const first = decodePrimitive(input, 'xml');
  if (!first.ok) return; // refused up front: fine
  const again = decodePrimitive(Buffer.from(encodePrimitive(first.primitive, 'xml')), 'xml');
  assert.equal(again.ok, true, again.ok ? '' : again.error.message);
});
