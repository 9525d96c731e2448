/**
 * The sending half of RFC 6455: turns a payload into the bytes of one frame.
 *
 * Unmasked frames (server to client) keep a large payload as its own buffer next to a small
 * header buffer, so it is never copied; small payloads are copied behind the header so the
 * frame is one buffer (one fewer iovec, one fewer object). Masked frames (client to server)
 * must be copied anyway, since the caller's payload is not ours to XOR: header, key and masked
 * payload go in one allocation. A string payload is encoded straight into the frame buffer.
 */
import { FIN, RSV1, applyMask, headerLength, writeHeader, writeMaskingKey } from './frame.js';

/** Payloads up to this size are copied behind the header into a single buffer. */
export const COPY_PAYLOAD_UP_TO = 8 * 1024;

export interface FrameFlags {
  /** Last frame of its message (default true). */
  fin?: boolean;
  /** Sets RSV1: the message is compressed (permessage-deflate, first frame only). */
  compressed?: boolean;
  /** Mask the payload (every client frame). */
  mask: boolean;
}

/**
 * Encodes one frame. Returns one buffer, or two (header, payload) for a large unmasked binary
 * payload that is sent without copying. The caller must not change `payload` until it is
 * written.
 */
export function encodeFrame(opcode: number, payload: Buffer | string, flags: FrameFlags): Buffer | [Buffer, Buffer] {
  const first = (flags.fin === false ? 0 : FIN) | (flags.compressed === true ? RSV1 : 0) | opcode;
  const isString = typeof payload === 'string';
  const length = isString ? Buffer.byteLength(payload) : payload.length;
  const mask = flags.mask;
  const head = headerLength(length, mask);

  if (!mask && !isString && length > COPY_PAYLOAD_UP_TO) {
    const header = Buffer.allocUnsafe(head);
    writeHeader(header, 0, first, length, false);
    return [header, payload];
  }

  // Every byte of this buffer is written below: header, key, payload.
  const frame = Buffer.allocUnsafe(head + length);
  let offset = writeHeader(frame, 0, first, length, mask);
  const keyOffset = offset;
  if (mask) {
    writeMaskingKey(frame, offset);
    offset += 4;
  }
  if (isString) frame.write(payload, offset, length, 'utf8');
  else payload.copy(frame, offset);
  if (mask && length > 0) applyMask(frame, frame, keyOffset, 0, offset, offset + length);
  return frame;
}
