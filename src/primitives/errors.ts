/**
 * The typed error every decoder returns instead of throwing.
 */
import type { RequestPrimitive, ResponsePrimitive } from './model.js';
import { ResponseStatusCode } from './status.js';

export interface PrimitiveError {
  /** The status code to answer with (4000 BAD_REQUEST, 4001 RELEASE_VERSION_NOT_SUPPORTED, ...). */
  rsc: number;
  /** The request identifier, when it could be recovered from the broken input. */
  rqi?: string;
  /** A short human-readable reason, suitable for `m2m:dbg`. */
  message: string;
}

export type DecodeResult =
  | { ok: true; kind: 'request'; primitive: RequestPrimitive }
  | { ok: true; kind: 'response'; primitive: ResponsePrimitive }
  | { ok: false; error: PrimitiveError };

export function failure(message: string, rqi?: string, rsc: number = ResponseStatusCode.BAD_REQUEST): DecodeResult {
  const error: PrimitiveError = rqi === undefined ? { rsc, message } : { rsc, rqi, message };
  return { ok: false, error };
}

/**
 * Thrown internally by the tree walkers and the XML handler to abort early; always caught by
 * the codec entry points and turned into a `PrimitiveError`. Never escapes this module family.
 */
export class InvalidPrimitive extends Error {
  constructor(message: string, readonly rsc: number = ResponseStatusCode.BAD_REQUEST) {
    super(message);
  }
}

/** Thrown by encoders when the model cannot be written in the chosen serialization. */
export class PrimitiveEncodeError extends Error {
  override readonly name = 'PrimitiveEncodeError';
}

/** A safe message for anything a third-party parser threw. */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message.slice(0, 200);
  return 'unknown error';
}
