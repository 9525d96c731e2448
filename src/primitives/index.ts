/**
 * oneM2M primitives: the typed model and the JSON / XML / CBOR codecs (TS-0004 §8, TS-0020).
 *
 * Text serializations encode to a `string` (the WebSocket layer sends it as a text frame and
 * makes the one UTF-8 copy); CBOR encodes to a `Buffer` (a binary frame). Decoders take the
 * frame payload as it is, never throw, and never keep a reference to it.
 */
import type { Buffer } from 'node:buffer';
import { decodeCbor, encodeCbor } from './cbor.js';
import type { DecodeResult } from './errors.js';
import { decodeJson, encodeJson, type EncodeOptions } from './json.js';
import type { Primitive } from './model.js';
import type { DecodeOptions } from './options.js';
import { decodeXml, encodeXml } from './xml.js';
import { failure } from './errors.js';
import { ResponseStatusCode } from './status.js';

export type Serialization = 'json' | 'xml' | 'cbor';

/** Decode a frame payload in the connection's serialization. Never throws. */
export function decodePrimitive(payload: Uint8Array, serialization: Serialization, options?: DecodeOptions): DecodeResult {
  switch (serialization) {
    case 'json': return decodeJson(payload, options);
    case 'xml': return decodeXml(payload, options);
    case 'cbor': return decodeCbor(payload, options);
    default: return failure(`unsupported serialization ${String(serialization)}`, undefined, ResponseStatusCode.UNSUPPORTED_MEDIA_TYPE);
  }
}

/**
 * Encode a primitive. JSON and XML give a string, CBOR a Buffer. `wrapped` (JSON, CBOR) emits
 * the Release-2 `m2m:rqp`/`m2m:rsp` wrapper; XML always has that root. Throws
 * PrimitiveEncodeError when the model cannot be written (e.g. a control character in XML).
 */
export function encodePrimitive(primitive: Primitive, serialization: 'json' | 'xml', options?: EncodeOptions): string;
export function encodePrimitive(primitive: Primitive, serialization: 'cbor', options?: EncodeOptions): Buffer;
export function encodePrimitive(primitive: Primitive, serialization: Serialization, options?: EncodeOptions): string | Buffer;
export function encodePrimitive(primitive: Primitive, serialization: Serialization, options?: EncodeOptions): string | Buffer {
  switch (serialization) {
    case 'json': return encodeJson(primitive, options);
    case 'xml': return encodeXml(primitive);
    case 'cbor': return encodeCbor(primitive, options);
    default: throw new TypeError(`unsupported serialization ${String(serialization)}`);
  }
}

export { decodeCbor, encodeCbor } from './cbor.js';
export { decodeJson, decodeJsonText, encodeJson, type EncodeOptions } from './json.js';
export { decodeXml, decodeXmlText, encodeXml, M2M_NAMESPACE } from './xml.js';
export { PrimitiveEncodeError, type DecodeResult, type PrimitiveError } from './errors.js';
export { DEFAULT_LIMITS, type DecodeLimits, type DecodeOptions } from './options.js';
export * from './model.js';
export * from './status.js';
