/**
 * The raw `net` baseline of the echo benchmark: messages framed by a 4-byte big-endian length.
 * The parser hands out whole messages (prefix included) as views when they sit in one chunk, so
 * an echo server can write them back without copying: the least work a message protocol can do.
 */
export class LengthPrefixed {
  private pending: Buffer | null = null;

  /** Calls `onMessage(frame)` (prefix + payload) for every whole message in `chunk`. */
  push(chunk: Buffer, onMessage: (frame: Buffer) => void): void {
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let at = 0;
    while (buf.length - at >= 4) {
      const size = 4 + buf.readUInt32BE(at);
      if (buf.length - at < size) break;
      onMessage(buf.subarray(at, at + size));
      at += size;
    }
    if (at < buf.length) this.pending = buf.subarray(at);
  }
}

export function lengthPrefixed(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}
