import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRelease2, offerFor, selectSubprotocol, serializationOf, supportedNames, isBinarySerialization } from '../../src/binding/subprotocols.js';
import { formatTimestamp, parseAbsolute, resolveTimestamp } from '../../src/binding/time.js';

test('subprotocol names map to serializations in any letter case', () => {
  assert.equal(serializationOf('oneM2M.json'), 'json');
  assert.equal(serializationOf('ONEM2M.XML'), 'xml');
  assert.equal(serializationOf('oneM2M.cbor'), 'cbor');
  assert.equal(serializationOf('oneM2M.R2.0.JSON'), 'json');
  assert.equal(serializationOf('onem2m.r2.0.cbor'), 'cbor');
  assert.equal(serializationOf('oneM2M-pro-v1.0'), undefined);
  assert.equal(serializationOf('__proto__'), undefined);
  assert.equal(isRelease2('oneM2M.R2.0.xml'), true);
  assert.equal(isRelease2('oneM2M.xml'), false);
  assert.equal(isBinarySerialization('cbor'), true);
  assert.equal(isBinarySerialization('json'), false);
});

test('the server picks the client\'s most preferred supported name and keeps its spelling', () => {
  assert.equal(selectSubprotocol(['oneM2M.xml', 'oneM2M.json']), 'oneM2M.xml');
  assert.equal(selectSubprotocol(['chat', 'oneM2M.R2.0.JSON']), 'oneM2M.R2.0.JSON');
  assert.equal(selectSubprotocol(['oneM2M.xml', 'oneM2M.json'], ['json']), 'oneM2M.json');
  assert.equal(selectSubprotocol(['oneM2M.xml'], ['json', 'cbor']), undefined);
  assert.equal(selectSubprotocol([]), undefined);
  assert.deepEqual(supportedNames(['json']), ['oneM2M.json', 'oneM2M.R2.0.json']);
  assert.deepEqual(offerFor(['cbor', 'json']), ['oneM2M.cbor', 'oneM2M.json']);
  assert.deepEqual(offerFor(['xml'], true), ['oneM2M.R2.0.xml']);
});

test('absolute and relative timestamps', () => {
  const now = Date.UTC(2026, 0, 1);
  assert.equal(resolveTimestamp(5000, now), now + 5000);
  assert.equal(resolveTimestamp('5000', now), now + 5000);
  assert.equal(resolveTimestamp('20260101T000010', now), now + 10_000);
  assert.equal(resolveTimestamp('20260101T000010,500000', now), now + 10_500);
  assert.equal(resolveTimestamp('20260101T000010.25Z', now), now + 10_250);
  for (const bad of ['', 'x', '2026-01-01T00:00:10', '20261301T000000', '20260101T250000', '20260101T000000,', -5, NaN, null, {}]) {
    assert.equal(resolveTimestamp(bad, now), undefined, String(bad));
  }
  assert.equal(parseAbsolute(formatTimestamp(now + 1234)), now + 1234);
  assert.match(formatTimestamp(now), /^20260101T000000,000000$/);
});

test('shared deadlines: expire in order, never early, removed entries never fire', async () => {
  const { addDeadline, removeDeadline } = await import('../../src/binding/deadlines.js');
  const fired: Array<[string, number]> = [];
  const start = Date.now();
  const entry = (name: string) => ({ expire: () => fired.push([name, Date.now() - start]) });
  const late = entry('late');
  const early = entry('early');
  const removed = entry('removed');
  addDeadline(late, start + 120);
  addDeadline(early, start + 40);
  const key = addDeadline(removed, start + 60);
  removeDeadline(removed, key);
  addDeadline(entry('past'), start - 1000);
  await new Promise((r) => setTimeout(r, 250));
  assert.deepEqual(fired.map(([n]) => n), ['past', 'early', 'late']);
  assert.ok(fired[1]![1] >= 40, `early fired at ${fired[1]![1]} ms`);
  assert.ok(fired[2]![1] >= 120, `late fired at ${fired[2]![1]} ms`);
});
