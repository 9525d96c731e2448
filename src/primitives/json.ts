/**
 * JSON codec (TS-0004 §8.4). Decoding is one UTF-8 decode, one JSON.parse, one bounded walk and
 * an in-place validation of the top-level parameters: the parsed tree *is* the model.
 */
import { describeThrown, failure, InvalidPrimitive, type DecodeResult } from './errors.js';
import type { Primitive } from './model.js';
import { resolveDecodeOptions, type DecodeOptions, type ResolvedDecodeOptions } from './options.js';
import { decodeTextPayload, scanJsonRqi } from './text.js';
import { checkJsonTree } from './tree.js';
import { toPrimitive } from './validate.js';

export function decodeJson(payload: Uint8Array, options?: DecodeOptions): DecodeResult {
  return decodeTextPayload(payload, options, decodeJsonResolved);
}

/** Decode JSON that is already a string (a text frame some layers deliver as string). */
export function decodeJsonText(text: string, options?: DecodeOptions): DecodeResult {
  return decodeJsonResolved(text, resolveDecodeOptions(options));
}

function decodeJsonResolved(text: string, resolved: ResolvedDecodeOptions): DecodeResult {
  let tree: unknown;
  try {
    tree = JSON.parse(text);
  } catch (e) {
    return failure(`JSON: ${describeThrown(e)}`, scanJsonRqi(text));
  }
  try {
    checkJsonTree(tree, resolved.limits);
  } catch (e) {
    const message = e instanceof InvalidPrimitive ? e.message : describeThrown(e);
    return failure(message, scanJsonRqi(text));
  }
  return toPrimitive(tree, resolved);
}

export interface EncodeOptions {
  /** Emit the Release-2 form `{"m2m:rqp": …}` / `{"m2m:rsp": …}` for a legacy peer. Default false. */
  wrapped?: boolean;
}

/** Encode to a JSON string (send it as a text frame; the frame layer does the one UTF-8 copy). */
export function encodeJson(primitive: Primitive, options?: EncodeOptions): string {
  if (options?.wrapped) {
    const wrapper = Object.hasOwn(primitive, 'op') ? 'm2m:rqp' : 'm2m:rsp';
    return `{"${wrapper}":${JSON.stringify(primitive)}}`;
  }
  return JSON.stringify(primitive);
}
