/**
 * Every example primitive printed in the TS-0020 texts (V5, the Release 3/4 edition, V2 with its
 * Release-2 wrapper, and the early draft) decodes as documented in the fixture file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Buffer } from 'node:buffer';
import { decodePrimitive, encodePrimitive, type DecodeResult, type Primitive } from '../../src/primitives/index.js';
import { assertDecodeError, assertRoundTrip, clone, SERIALIZATIONS } from './helpers.js';

interface Example {
  id: string;
  source: string;
  location: string;
  group?: string;
  printed: string;
  text?: string;
  repairs?: string[];
  expect: Expectation;
  expectWithRangeCheck?: Expectation;
}

type Expectation = { ok: true; kind: 'request' | 'response'; rqi: string } | { ok: false; rsc: number; rqi: string; message: string };

/** The TS-0020 examples send rcn 7 with CREATE; this option lets them through (docs/primitives.md). */
const RANGE_CHECK = { resultContentCheck: 'range' } as const;

const fixture = JSON.parse(readFileSync(new URL('./fixtures/ts0020-examples.json', import.meta.url), 'utf8')) as { examples: Example[] };
const examples = fixture.examples;

function checkExpectation(result: DecodeResult, expected: Expectation): void {
  if (!expected.ok) {
    assertDecodeError(result, expected.rsc, expected.message, expected.rqi);
    return;
  }
  if (!result.ok) assert.fail(`${result.error.rsc}: ${result.error.message}`);
  assert.equal(result.kind, expected.kind);
  assert.equal(result.primitive.rqi, expected.rqi);
  if (result.kind === 'request') assert.equal(typeof result.primitive.op, 'number');
  else assert.equal(typeof result.primitive.rsc, 'number');
}

describe('TS-0020 example primitives', () => {
  it('the fixture covers V5, the R3/4 edition, V2 and the draft', () => {
    const sources = new Set(examples.map((e) => e.source));
    assert.equal(sources.size, 4);
    assert.ok(examples.length >= 20);
  });

  const decodedById = new Map<string, Primitive>();

  for (const example of examples) {
    const text = example.text ?? example.printed;
    it(`${example.id} (${example.location}) decodes as expected`, () => {
      checkExpectation(decodePrimitive(Buffer.from(text, 'utf8'), 'json'), example.expect);
      const lenient = decodePrimitive(Buffer.from(text, 'utf8'), 'json', RANGE_CHECK);
      checkExpectation(lenient, example.expectWithRangeCheck ?? example.expect);
      if (lenient.ok) decodedById.set(example.id, lenient.primitive);
    });

    if (example.text !== undefined) {
      it(`${example.id} as printed (defective) gives a typed error, not an exception`, () => {
        const result = decodePrimitive(Buffer.from(example.printed, 'utf8'), 'json');
        assertDecodeError(result, 4000);
      });
    }
  }

  it('examples of the same step in different editions decode to the same model', () => {
    const groups = new Map<string, Primitive[]>();
    for (const example of examples) {
      const model = decodedById.get(example.id);
      if (example.group === undefined || model === undefined) continue;
      groups.set(example.group, [...(groups.get(example.group) ?? []), model]);
    }
    assert.ok(groups.size >= 4);
    for (const [group, models] of groups) {
      assert.ok(models.length >= 2, group);
      for (const model of models.slice(1)) assert.deepStrictEqual(model, models[0], group);
    }
  });

  it('decoded examples survive JSON, XML and CBOR unchanged', () => {
    assert.ok(decodedById.size >= 15);
    for (const [id, model] of decodedById) {
      for (const serialization of SERIALIZATIONS) assertRoundTrip(model, serialization, id, RANGE_CHECK);
    }
  });

  it('the V5 registration request has exactly the printed parameters', () => {
    const model = decodedById.get('v5-annexA-step4-ae-create');
    assert.deepStrictEqual(model, {
      op: 1, to: '//example.net/mncse1234', rqi: 'A1000', rcn: 7,
      pc: { 'm2m:ae': { rn: 'SmartHomeApplication', api: 'Na56', apn: 'app1234' } }, ty: 2,
    });
  });

  it('the draft\'s stringified "op":"1" is read as the number 1 (ACME leniency)', () => {
    const model = decodedById.get('draft-5.2-step4-ae-register');
    assert.equal(model?.op, 1);
  });

  it('the V2 wrapped form is refused when wrapping is switched off', () => {
    const example = examples.find((e) => e.id === 'v2-annexA-step4-ae-create')!;
    const result = decodePrimitive(Buffer.from(example.printed), 'json', { acceptWrapped: false, ...RANGE_CHECK });
    assertDecodeError(result, 4000, 'neither op');
  });

  it('a wrapped example is re-emitted wrapped on request, bare by default', () => {
    const model = clone(decodedById.get('v2-annexA-step4-ae-create')!);
    assert.ok((encodePrimitive(model, 'json', { wrapped: true })).startsWith('{"m2m:rqp":{'));
    assert.ok(encodePrimitive(model, 'json').startsWith('{"op":1'));
  });

  it('with requireRvi the examples (which omit rvi) are answered 4001', () => {
    const example = examples.find((e) => e.id === 'v5-annexA-step4-ae-create')!;
    const result = decodePrimitive(Buffer.from(example.printed), 'json', { requireRvi: true, ...RANGE_CHECK });
    assertDecodeError(result, 4001, 'rvi', 'A1000');
  });
});
