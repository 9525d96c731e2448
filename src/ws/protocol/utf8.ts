/**
 * Incremental UTF-8 validation (RFC 3629, as RFC 6455 §8.1 requires for text messages).
 *
 * A text message may arrive in many pieces: fragments, and partial reads of one frame. The
 * validator keeps the state of a code point split across pieces, so a bad byte is reported as
 * soon as the piece that holds it arrives, not at the end of the message.
 *
 * The bulk of each piece goes through Node's native `buffer.isUtf8` (SIMD); only the at most
 * three bytes of a code point cut at a piece boundary go through the byte-wise state machine.
 */
import { isUtf8 } from 'node:buffer';

/**
 * State of the byte-wise machine: how many continuation bytes are still due, and the valid
 * range of the next one (the first continuation byte is narrowed to exclude overlongs,
 * surrogates and code points above U+10FFFF).
 */
export class Utf8Validator {
  /** Continuation bytes still due (0 = at a code point boundary). */
  private pending = 0;
  /** Inclusive bounds for the next continuation byte. */
  private low = 0x80;
  private high = 0xbf;

  /** True when the bytes seen so far end on a code point boundary. */
  get complete(): boolean {
    return this.pending === 0;
  }

  reset(): void {
    this.pending = 0;
    this.low = 0x80;
    this.high = 0xbf;
  }

  /**
   * Feeds the next piece. Returns false as soon as the bytes seen so far cannot be the start of
   * valid UTF-8; the validator must then be reset before reuse.
   */
  push(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    let i = start;
    // Finish a code point left open by the previous piece.
    while (this.pending !== 0 && i < end) {
      if (!this.step(bytes[i]!)) return false;
      i++;
    }
    if (i === end) return true;

    // Split the rest into a body of whole code points and a tail (a code point cut short).
    const tail = incompleteTailStart(bytes, i, end);
    const bodyLength = tail - i;
    if (bodyLength > 0) {
      if (bodyLength < SMALL) {
        if (!this.scan(bytes, i, tail)) return false;
      } else if (!isUtf8(i === 0 && tail === bytes.length ? bytes : bytes.subarray(i, tail))) {
        return false;
      }
    }
    for (let j = tail; j < end; j++) {
      if (!this.step(bytes[j]!)) return false;
    }
    return true;
  }

  /** Byte-wise validation of a short run (cheaper than a native call for a few bytes). */
  private scan(bytes: Uint8Array, start: number, end: number): boolean {
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      if (b < 0x80 && this.pending === 0) continue;
      if (!this.step(b)) return false;
    }
    return this.pending === 0;
  }

  /** One byte through the state machine. */
  private step(b: number): boolean {
    if (this.pending !== 0) {
      if (b < this.low || b > this.high) return false;
      this.pending--;
      this.low = 0x80;
      this.high = 0xbf;
      return true;
    }
    if (b < 0x80) return true;
    if (b < 0xc2) return false; // a continuation byte out of place, or an overlong C0/C1 lead
    if (b < 0xe0) {
      this.pending = 1;
    } else if (b < 0xf0) {
      this.pending = 2;
      if (b === 0xe0) this.low = 0xa0; // overlong 3-byte forms
      else if (b === 0xed) this.high = 0x9f; // UTF-16 surrogates U+D800..U+DFFF
    } else if (b < 0xf5) {
      this.pending = 3;
      if (b === 0xf0) this.low = 0x90; // overlong 4-byte forms
      else if (b === 0xf4) this.high = 0x8f; // above U+10FFFF
    } else {
      return false; // F5..FF never appear in UTF-8
    }
    return true;
  }
}

/** Below this many bytes the JS loop beats the native call. */
const SMALL = 24;

/**
 * Index where a code point that the piece cuts short begins, or `end` when the piece ends on a
 * boundary. Only the last three bytes can hold such a start. Invalid bytes are left in the
 * body, where validation rejects them.
 */
function incompleteTailStart(bytes: Uint8Array, start: number, end: number): number {
  const limit = Math.max(start, end - 3);
  for (let i = end - 1; i >= limit; i--) {
    const b = bytes[i]!;
    if (b < 0x80) return end; // ASCII: everything up to here is whole
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return end - i < need ? i : end;
    }
    // a continuation byte: keep looking back for its lead
  }
  return end;
}

/** Validates a whole buffer (close reasons, tests). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  const validator = new Utf8Validator();
  return validator.push(bytes) && validator.complete;
}
