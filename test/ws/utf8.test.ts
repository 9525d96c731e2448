import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Utf8Validator, isValidUtf8 } from '../../src/ws/protocol/utf8.js';
import { prng } from '../helpers/prng.js';

const valid: Array<[string, number[]]> = [
  ['empty', []],
  ['ascii', [...Buffer.from('hello, world')]],
  ['2-byte min U+0080', [0xc2, 0x80]],
  ['2-byte max U+07FF', [0xdf, 0xbf]],
  ['3-byte min U+0800', [0xe0, 0xa0, 0x80]],
  ['U+D7FF (below surrogates)', [0xed, 0x9f, 0xbf]],
  ['U+E000 (above surrogates)', [0xee, 0x80, 0x80]],
  ['U+FFFF', [0xef, 0xbf, 0xbf]],
  ['4-byte min U+10000', [0xf0, 0x90, 0x80, 0x80]],
  ['U+10FFFF', [0xf4, 0x8f, 0xbf, 0xbf]],
  ['euro and emoji mixed', [...Buffer.from('a€b😀c'.repeat(10))]],
];

const invalid: Array<[string, number[]]> = [
  ['lone continuation', [0x80]],
  ['overlong C0 80 (NUL)', [0xc0, 0x80]],
  ['overlong C1 BF', [0xc1, 0xbf]],
  ['overlong 3-byte E0 80 80', [0xe0, 0x80, 0x80]],
  ['overlong 3-byte E0 9F BF', [0xe0, 0x9f, 0xbf]],
  ['overlong 4-byte F0 80 80 80', [0xf0, 0x80, 0x80, 0x80]],
  ['overlong 4-byte F0 8F BF BF', [0xf0, 0x8f, 0xbf, 0xbf]],
  ['surrogate U+D800', [0xed, 0xa0, 0x80]],
  ['surrogate U+DFFF', [0xed, 0xbf, 0xbf]],
  ['above U+10FFFF (F4 90)', [0xf4, 0x90, 0x80, 0x80]],
  ['F5 lead', [0xf5, 0x80, 0x80, 0x80]],
  ['FF', [0xff]],
  ['FE', [0xfe]],
  ['lead then ASCII', [0xe2, 0x41, 0x41]],
  ['truncated 2-byte then ASCII', [0xc3, 0x41]],
  ['extra continuation', [0xe2, 0x82, 0xac, 0x80]],
];

test('whole-buffer validation: valid sequences', () => {
  for (const [name, bytes] of valid) assert.equal(isValidUtf8(Buffer.from(bytes)), true, name);
});

test('whole-buffer validation: invalid sequences (overlongs, surrogates, > U+10FFFF)', () => {
  for (const [name, bytes] of invalid) assert.equal(isValidUtf8(Buffer.from(bytes)), false, name);
});

test('incomplete sequences at the end are not complete', () => {
  for (const bytes of [[0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98]]) {
    const v = new Utf8Validator();
    assert.equal(v.push(Buffer.from(bytes)), true, 'a prefix is not an error yet');
    assert.equal(v.complete, false);
    assert.equal(isValidUtf8(Buffer.from(bytes)), false);
  }
});

test('code points split at every position across pieces are fine', () => {
  const text = Buffer.from('x€y😀z\u07ff\uffff'.repeat(5));
  for (let cut = 0; cut <= text.length; cut++) {
    const v = new Utf8Validator();
    assert.equal(v.push(text.subarray(0, cut)), true, `cut ${cut} first`);
    assert.equal(v.push(text.subarray(cut)), true, `cut ${cut} second`);
    assert.equal(v.complete, true);
  }
  const v = new Utf8Validator();
  for (const b of text) assert.equal(v.push(Buffer.from([b])), true);
  assert.equal(v.complete, true);
});

test('a bad byte fails in the piece where it arrives, before the rest', () => {
  for (const [name, bytes] of invalid) {
    // Find the first piece boundary at which a byte-by-byte feed fails: it must fail at or
    // before the last byte, never "later".
    const v = new Utf8Validator();
    let failedAt = -1;
    for (let i = 0; i < bytes.length; i++) {
      if (!v.push(Buffer.from([bytes[i]!]))) {
        failedAt = i;
        break;
      }
    }
    assert.notEqual(failedAt, -1, name);
  }
  // Surrogate: ED A0 must fail at A0, without waiting for the third byte.
  const v = new Utf8Validator();
  assert.equal(v.push(Buffer.from([0x41, 0xed])), true);
  assert.equal(v.push(Buffer.from([0xa0])), false);
});

test('long buffers use the native path and agree with TextDecoder (seeded random)', () => {
  const rand = prng(42);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let round = 0; round < 400; round++) {
    const length = 1 + Math.floor(rand() * 200);
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = rand() < 0.7 ? Math.floor(rand() * 128) : Math.floor(rand() * 256);
    let expected = true;
    try {
      decoder.decode(bytes);
    } catch {
      expected = false;
    }
    assert.equal(isValidUtf8(bytes), expected, bytes.toString('hex'));
    // The same in random pieces.
    const v = new Utf8Validator();
    let ok = true;
    for (let i = 0; i < length && ok; ) {
      const n = 1 + Math.floor(rand() * 40);
      ok = v.push(bytes.subarray(i, i + n));
      i += n;
    }
    assert.equal(ok && v.complete, expected, `pieces ${bytes.toString('hex')}`);
  }
});

test('reset clears a pending sequence', () => {
  const v = new Utf8Validator();
  v.push(Buffer.from([0xe2]));
  assert.equal(v.complete, false);
  v.reset();
  assert.equal(v.complete, true);
  assert.equal(v.push(Buffer.from('ok')), true);
});
