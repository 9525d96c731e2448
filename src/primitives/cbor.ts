/**
 * CBOR codec (TS-0004 §8.5). Decoding runs cbor-x straight on the frame payload, then one
 * normalising walk that bounds depth and size and brings the tree into the JSON data model:
 * byte strings read as UTF-8 text (the TS-0004 examples' defect), safe bigints as numbers, and
 * every tag cbor-x would turn into something else (Date, Set, Map, RegExp, shared references,
 * typed arrays, unknown tags) refused.
 */
import { Buffer } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { Decoder } from 'cbor-x';
import { describeThrown, failure, InvalidPrimitive, type DecodeResult } from './errors.js';
import type { Primitive } from './model.js';
import { resolveDecodeOptions, type DecodeLimits, type DecodeOptions } from './options.js';
import { encodeCborValue } from './cbor-writer.js';
import type { EncodeOptions } from './json.js';
import { toPrimitive } from './validate.js';

/** Maps become plain objects: the fast path for text-string keys. */
const objectDecoder = new Decoder({ useRecords: false, mapsAsObjects: true });
/** Maps become Map objects: the fallback when a key is a byte string (cbor-x refuses those as object keys). */
const mapDecoder = new Decoder({ useRecords: false, mapsAsObjects: false });

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decodeCbor(payload: Uint8Array, options?: DecodeOptions): DecodeResult {
  const resolved = resolveDecodeOptions(options);
  if (payload.byteLength > resolved.limits.maxBytes) {
    return failure(`payload larger than ${resolved.limits.maxBytes} bytes`);
  }
  if (payload.byteLength === 0) return failure('CBOR: empty payload');
  let tree: unknown;
  try {
    tree = decodeWithFallback(payload, resolved.cborByteStringsAsText);
    tree = normalizeCborTree(tree, resolved.limits, resolved.cborByteStringsAsText);
  } catch (e) {
    return failure(`CBOR: ${describeThrown(e)}`, scanCborRqi(payload));
  }
  return toPrimitive(tree, resolved);
}

function decodeWithFallback(payload: Uint8Array, byteStringsAsText: boolean): unknown {
  try {
    return objectDecoder.decode(payload);
  } catch (e) {
    const byteStringKey = e instanceof Error && e.message.startsWith('Invalid property name type');
    if (!byteStringKey) throw e;
    if (!byteStringsAsText) throw new InvalidPrimitive('map keys must be text strings');
    return mapDecoder.decode(payload);
  }
}

/** Encode to a Buffer (send it as a binary frame). */
export function encodeCbor(primitive: Primitive, options?: EncodeOptions): Buffer {
  if (options?.wrapped) {
    return encodeCborValue({ [Object.hasOwn(primitive, 'op') ? 'm2m:rqp' : 'm2m:rsp']: primitive });
  }
  return encodeCborValue(primitive);
}

// ---------------------------------------------------------------------------------------------
// Normalisation into the JSON data model

interface Walk { nodesLeft: number; readonly maxDepth: number; readonly bytesAsText: boolean }

export function normalizeCborTree(root: unknown, limits: DecodeLimits, bytesAsText: boolean): unknown {
  return normalize(root, 1, { nodesLeft: limits.maxNodes, maxDepth: limits.maxDepth, bytesAsText });
}

function normalize(value: unknown, depth: number, walk: Walk): unknown {
  if (--walk.nodesLeft < 0) throw new InvalidPrimitive('too many values in primitive');
  if (typeof value !== 'object') return normalizeScalar(value);
  if (value === null) return value;
  // plain objects and arrays first: almost every container takes one of these two branches
  if (Object.getPrototypeOf(value) === Object.prototype) {
    if (depth > walk.maxDepth) throw new InvalidPrimitive(`nesting deeper than ${walk.maxDepth}`);
    const object = value as Record<string, unknown>;
    for (const key in object) {
      const member = object[key];
      if (typeof member === 'string' && --walk.nodesLeft >= 0) continue;
      const normalized = normalize(member, depth + 1, walk);
      if (normalized !== member) object[key] = normalized;
    }
    return object;
  }
  if (Array.isArray(value)) {
    if (depth > walk.maxDepth) throw new InvalidPrimitive(`nesting deeper than ${walk.maxDepth}`);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'string' && --walk.nodesLeft >= 0) continue;
      const normalized = normalize(item, depth + 1, walk);
      if (normalized !== item) value[i] = normalized;
    }
    return value;
  }
  if (value instanceof Uint8Array) return bytesToText(value, walk);
  if (depth > walk.maxDepth) throw new InvalidPrimitive(`nesting deeper than ${walk.maxDepth}`);
  if (value instanceof Map) return mapToObject(value, depth, walk);
  const tag = (value as { tag?: unknown }).tag;
  throw new InvalidPrimitive(typeof tag === 'number' ? `tag ${tag} not allowed` : 'tagged value not allowed');
}

function normalizeScalar(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidPrimitive('number out of range');
      return value;
    case 'bigint':
      if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
      throw new InvalidPrimitive('integer out of range');
    default:
      throw new InvalidPrimitive(`${typeof value} is not in the JSON data model`);
  }
}

function mapToObject(map: Map<unknown, unknown>, depth: number, walk: Walk): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [rawKey, member] of map) {
    let key: string;
    if (typeof rawKey === 'string') key = rawKey;
    else if (rawKey instanceof Uint8Array) key = bytesToText(rawKey, walk);
    else throw new InvalidPrimitive('map keys must be strings');
    if (Object.hasOwn(object, key)) throw new InvalidPrimitive(`duplicate map key ${JSON.stringify(key.slice(0, 32))}`);
    // defineProperty: a "__proto__" key becomes a plain own member, never the prototype
    Object.defineProperty(object, key, {
      value: normalize(member, depth + 1, walk), enumerable: true, writable: true, configurable: true,
    });
  }
  return object;
}

function bytesToText(bytes: Uint8Array, walk: Walk): string {
  if (!walk.bytesAsText) throw new InvalidPrimitive('byte strings not accepted');
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new InvalidPrimitive('byte string is not valid UTF-8');
  }
}

/** Look for the text string "rqi" followed by a short text or byte string, in broken CBOR. */
function scanCborRqi(payload: Uint8Array): string | undefined {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  let from = 0;
  for (;;) {
    const at = bytes.indexOf('rqi', from, 'latin1');
    if (at < 1) return undefined;
    const head = bytes[at - 1];
    if (head === 0x63 || head === 0x43) {
      const valueHead = bytes[at + 3];
      if (valueHead !== undefined && ((valueHead >= 0x60 && valueHead <= 0x77) || (valueHead >= 0x40 && valueHead <= 0x57))) {
        const length = valueHead & 0x1f;
        const start = at + 4;
        if (start + length <= bytes.length) {
          try {
            return strictUtf8.decode(bytes.subarray(start, start + length));
          } catch {
            return undefined;
          }
        }
      }
    }
    from = at + 3;
  }
}
