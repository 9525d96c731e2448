/**
 * A small CBOR encoder for the JSON data model (TS-0004 §8.5, RFC 8949 preferred serialization):
 * text-string keys and values (major 3), integers with the shortest head (up to 64 bits, which
 * cbor-x's encoder writes as floats above 2^32), float32 when exact else float64, definite
 * lengths, no tags. `undefined` members are skipped, as JSON.stringify does.
 */
import { Buffer } from 'node:buffer';
import { PrimitiveEncodeError } from './errors.js';

const MAX_ENCODE_DEPTH = 1000;
const SHORT_STRING = 64;

let scratch = Buffer.allocUnsafeSlow(16 * 1024);
let position = 0;

/** Encode a JSON-model value to a fresh Buffer owned by the caller. */
export function encodeCborValue(value: unknown): Buffer {
  position = 0;
  writeValue(value, 0);
  const out = Buffer.allocUnsafe(position);
  scratch.copy(out, 0, 0, position);
  return out;
}

function ensure(bytes: number): void {
  if (position + bytes <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < position + bytes) size *= 2;
  const grown = Buffer.allocUnsafeSlow(size);
  scratch.copy(grown, 0, 0, position);
  scratch = grown;
}

function writeValue(value: unknown, depth: number): void {
  switch (typeof value) {
    case 'string': return writeString(value);
    case 'number': return writeNumber(value);
    case 'boolean': ensure(1); scratch[position++] = value ? 0xf5 : 0xf4; return;
    case 'object':
      if (value === null) { ensure(1); scratch[position++] = 0xf6; return; }
      if (depth >= MAX_ENCODE_DEPTH) throw new PrimitiveEncodeError('CBOR: model nested too deeply (cycle?)');
      if (Array.isArray(value)) return writeArray(value, depth + 1);
      if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
        return writeMap(value as Record<string, unknown>, depth + 1);
      }
      throw new PrimitiveEncodeError('CBOR: only plain objects and arrays can be encoded');
    default:
      throw new PrimitiveEncodeError(`CBOR: cannot encode a ${typeof value}`);
  }
}

function writeArray(array: readonly unknown[], depth: number): void {
  writeHead(0x80, array.length);
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    if (item === undefined) { ensure(1); scratch[position++] = 0xf6; } else writeValue(item, depth);
  }
}

function writeMap(object: Record<string, unknown>, depth: number): void {
  const keys = Object.keys(object);
  let count = 0;
  for (let i = 0; i < keys.length; i++) if (object[keys[i]!] !== undefined) count++;
  writeHead(0xa0, count);
  for (let i = 0; i < keys.length; i++) {
    const value = object[keys[i]!];
    if (value === undefined) continue;
    writeString(keys[i]!);
    writeValue(value, depth);
  }
}

function writeNumber(value: number): void {
  if (Number.isSafeInteger(value)) {
    if (value >= 0) writeHead(0x00, value);
    else writeHead(0x20, -1 - value);
    return;
  }
  if (!Number.isFinite(value)) throw new PrimitiveEncodeError('CBOR: cannot encode a non-finite number');
  ensure(9);
  if (Math.fround(value) === value) {
    scratch[position++] = 0xfa;
    scratch.writeFloatBE(value, position);
    position += 4;
  } else {
    scratch[position++] = 0xfb;
    scratch.writeDoubleBE(value, position);
    position += 8;
  }
}

/** Major type in the top 3 bits of `major`, then the shortest argument encoding of `length`. */
function writeHead(major: number, length: number): void {
  ensure(9);
  if (length < 24) {
    scratch[position++] = major | length;
  } else if (length < 0x100) {
    scratch[position++] = major | 24;
    scratch[position++] = length;
  } else if (length < 0x10000) {
    scratch[position++] = major | 25;
    scratch.writeUInt16BE(length, position);
    position += 2;
  } else if (length < 0x100000000) {
    scratch[position++] = major | 26;
    scratch.writeUInt32BE(length, position);
    position += 4;
  } else {
    scratch[position++] = major | 27;
    scratch.writeUInt32BE(Math.floor(length / 0x100000000), position);
    scratch.writeUInt32BE(length >>> 0, position + 4);
    position += 8;
  }
}

function writeString(text: string): void {
  if (text.length < SHORT_STRING) return writeShortString(text);
  const bytes = Buffer.byteLength(text, 'utf8');
  writeHead(0x60, bytes);
  ensure(bytes);
  position += scratch.write(text, position, 'utf8');
}

/**
 * Strings under 64 UTF-16 units take at most 192 bytes, so the head is 1 or 2 bytes: encode by
 * hand after a 2-byte reservation and close the gap when the result turned out short.
 */
function writeShortString(text: string): void {
  ensure(2 + text.length * 3);
  const start = position;
  let at = start + 2;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      scratch[at++] = c;
    } else if (c < 0x800) {
      scratch[at++] = 0xc0 | (c >> 6);
      scratch[at++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = text.charCodeAt(i + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          scratch[at++] = 0xf0 | (c >> 18);
          scratch[at++] = 0x80 | ((c >> 12) & 0x3f);
          scratch[at++] = 0x80 | ((c >> 6) & 0x3f);
          scratch[at++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd; // a lone surrogate has no UTF-8 form; the same replacement Buffer.write makes
      }
      scratch[at++] = 0xe0 | (c >> 12);
      scratch[at++] = 0x80 | ((c >> 6) & 0x3f);
      scratch[at++] = 0x80 | (c & 0x3f);
    }
  }
  const length = at - start - 2;
  if (length < 24) {
    scratch[start] = 0x60 | length;
    scratch.copyWithin(start + 1, start + 2, at);
    position = at - 1;
  } else {
    scratch[start] = 0x78;
    scratch[start + 1] = length;
    position = at;
  }
}
