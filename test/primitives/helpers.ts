/** Shared test helpers: decode through every format and assert the outcome. */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import {
  decodePrimitive, encodePrimitive, type DecodeOptions, type DecodeResult, type Primitive, type Serialization,
} from '../../src/primitives/index.js';

export const SERIALIZATIONS: readonly Serialization[] = ['json', 'xml', 'cbor'];

export function toPayload(encoded: string | Buffer): Buffer {
  return typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded;
}

/** Decode and insist on success; returns the primitive. */
export function decodeOk(payload: Uint8Array, serialization: Serialization, options?: DecodeOptions): Primitive {
  const result = decodePrimitive(payload, serialization, options);
  if (!result.ok) assert.fail(`${serialization} decode failed: ${result.error.rsc} ${result.error.message}`);
  return result.primitive;
}

/** model → format → model must give back the same model. Returns the encoded form. */
export function assertRoundTrip(model: Primitive, serialization: Serialization, label = '', options?: DecodeOptions): string | Buffer {
  const encoded = encodePrimitive(model, serialization);
  const decoded = decodeOk(toPayload(encoded), serialization, options);
  assert.deepStrictEqual(decoded, model, `${label} via ${serialization}`);
  return encoded;
}

export function assertDecodeError(result: DecodeResult, rsc: number, messageIncludes?: string, rqi?: string): void {
  if (result.ok) assert.fail(`expected error ${rsc}${messageIncludes ? ` (${messageIncludes})` : ''}, got a ${result.kind}`);
  assert.equal(result.error.rsc, rsc, result.error.message);
  assert.equal(typeof result.error.message, 'string');
  if (messageIncludes !== undefined) assert.ok(result.error.message.includes(messageIncludes), `message "${result.error.message}" lacks "${messageIncludes}"`);
  if (rqi !== undefined) assert.equal(result.error.rqi, rqi);
}

/** Deep copy through JSON, so tests never share objects with what they compare against. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
