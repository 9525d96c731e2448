/** Test helpers: build raw frames byte by byte, and record what a receiver reports. */
import type { ReceiverHandler } from '../../src/ws/protocol/receiver.js';

export interface RawFrame {
  fin?: boolean;
  rsv?: number; // 0..7 -> RSV1..3 bits (4 = RSV1, 2 = RSV2, 1 = RSV3)
  opcode: number;
  payload?: Buffer | string;
  /** Mask with this key (default: a fixed key when `masked` is true). */
  masked?: boolean;
  key?: Buffer;
  /** Force a length encoding: 7, 16 or 64 bits. */
  lengthBits?: 7 | 16 | 64;
  /** Override the 64-bit length's high word (to test the top bit). */
  high?: number;
}

export function rawFrame(f: RawFrame): Buffer {
  const payload = typeof f.payload === 'string' ? Buffer.from(f.payload) : (f.payload ?? Buffer.alloc(0));
  const len = payload.length;
  const bits = f.lengthBits ?? (len < 126 ? 7 : len < 65536 ? 16 : 64);
  const parts: number[] = [((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) << 4) | f.opcode];
  const maskBit = f.masked ? 0x80 : 0;
  if (bits === 7) parts.push(maskBit | len);
  else if (bits === 16) parts.push(maskBit | 126, len >> 8, len & 0xff);
  else {
    const high = f.high ?? Math.floor(len / 2 ** 32);
    parts.push(maskBit | 127, (high >>> 24) & 0xff, (high >>> 16) & 0xff, (high >>> 8) & 0xff, high & 0xff);
    parts.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  const head = Buffer.from(parts);
  if (!f.masked) return Buffer.concat([head, payload]);
  const key = f.key ?? Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= key[i & 3]!;
  return Buffer.concat([head, key, body]);
}

export type Event =
  | { type: 'message'; data: Buffer; binary: boolean }
  | { type: 'ping' | 'pong'; data: Buffer }
  | { type: 'close'; code: number; reason: string }
  | { type: 'error'; code: number; reason: string };

export class Recorder implements ReceiverHandler {
  events: Event[] = [];
  onMessage(data: Buffer, isBinary: boolean): void {
    this.events.push({ type: 'message', data: Buffer.from(data), binary: isBinary });
  }
  onPing(data: Buffer): void {
    this.events.push({ type: 'ping', data: Buffer.from(data) });
  }
  onPong(data: Buffer): void {
    this.events.push({ type: 'pong', data: Buffer.from(data) });
  }
  onCloseFrame(code: number, reason: string): void {
    this.events.push({ type: 'close', code, reason });
  }
  onProtocolError(code: number, reason: string): void {
    this.events.push({ type: 'error', code, reason });
  }
  get last(): Event | undefined {
    return this.events[this.events.length - 1];
  }
  messages(): string[] {
    return this.events.filter((e) => e.type === 'message').map((e) => (e as { data: Buffer }).data.toString());
  }
}

/** Feeds `bytes` in pieces of `size` bytes (1 = byte by byte). */
export function* split(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield Buffer.from(bytes.subarray(i, i + size));
}

