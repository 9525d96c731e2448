/**
 * The little of RFC 6455 framing the lean load clients and the floor server read by hand (they
 * exist to cost next to nothing, so they do not use the engine): where the HTTP head ends, and
 * where one frame's payload lies. No state, no copies, no checks beyond what fits in the buffer.
 */

/** Splits the HTTP head (up to the blank line) from what follows; null until it is complete. */
export function splitHead(buf: Buffer): { head: string; rest: Buffer } | null {
  const end = buf.indexOf('\r\n\r\n');
  return end < 0 ? null : { head: buf.toString('latin1', 0, end), rest: buf.subarray(end + 4) };
}

export interface RawFrame {
  fin: boolean;
  opcode: number;
  /** Where the masking key starts, or -1 for an unmasked frame. */
  maskAt: number;
  /** The payload is buf[start, end). */
  start: number;
  end: number;
}

/** The frame starting at `at`, or null when the buffer does not hold all of it yet. */
export function nextFrame(buf: Buffer, at: number): RawFrame | null {
  if (buf.length - at < 2) return null;
  const b0 = buf[at]!;
  const b1 = buf[at + 1]!;
  let length = b1 & 0x7f;
  let p = at + 2;
  if (length === 126) {
    if (buf.length - at < 4) return null;
    length = buf.readUInt16BE(at + 2);
    p = at + 4;
  } else if (length === 127) {
    if (buf.length - at < 10) return null;
    length = Number(buf.readBigUInt64BE(at + 2));
    p = at + 10;
  }
  const maskAt = (b1 & 0x80) !== 0 ? p : -1;
  if (maskAt >= 0) p += 4;
  if (buf.length < p + length) return null;
  return { fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, maskAt, start: p, end: p + length };
}
