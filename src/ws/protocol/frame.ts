/**
 * RFC 6455 §5.2 frame layout: opcodes, header encoding, masking and close codes.
 *
 *   0               1               2               3
 *   F R R R opcode  M len7          extended length (0, 2 or 8 bytes)
 *   I S S S (4)     A (7)           masking key (0 or 4 bytes)
 *   N V V V         S               payload ...
 *     1 2 3         K
 */
import { randomFillSync } from 'node:crypto';

export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Close status codes (RFC 6455 §7.4.1) used by this engine. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  /** Never sent: reported locally when a close frame had no code. */
  NoStatus: 1005,
  /** Never sent: reported locally when the connection ended without a close frame. */
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
} as const;

export const FIN = 0x80;
export const RSV1 = 0x40;
export const RSV2 = 0x20;
export const RSV3 = 0x10;

/** Control frames carry at most 125 payload bytes (§5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

export function isControl(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

export function isKnownOpcode(opcode: number): boolean {
  return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xa);
}

/**
 * May this code appear in a close frame on the wire? 1000-1003, 1007-1014 (1004-1006 and 1015
 * are reserved for local use or unassigned), and 3000-4999 (registered and private use).
 */
export function isValidCloseCode(code: number): boolean {
  if (code >= 3000) return code <= 4999;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

/** Length of the header (without the masking key) for a payload of `length` bytes. */
export function headerLength(length: number, masked: boolean): number {
  const base = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  return masked ? base + 4 : base;
}

/**
 * Writes a frame header at `offset` of `target` and returns the offset after it (where the
 * masking key, if any, goes). `firstByte` is FIN | RSV bits | opcode.
 */
export function writeHeader(
  target: Uint8Array,
  offset: number,
  firstByte: number,
  length: number,
  masked: boolean,
): number {
  target[offset] = firstByte;
  const maskBit = masked ? 0x80 : 0;
  if (length < 126) {
    target[offset + 1] = maskBit | length;
    return offset + 2;
  }
  if (length < 0x10000) {
    target[offset + 1] = maskBit | 126;
    target[offset + 2] = length >>> 8;
    target[offset + 3] = length & 0xff;
    return offset + 4;
  }
  target[offset + 1] = maskBit | 127;
  // Payloads never reach 2^53; the high word is written from the exact quotient.
  const high = Math.floor(length / 0x100000000);
  const low = length >>> 0;
  target[offset + 2] = high >>> 24;
  target[offset + 3] = (high >>> 16) & 0xff;
  target[offset + 4] = (high >>> 8) & 0xff;
  target[offset + 5] = high & 0xff;
  target[offset + 6] = low >>> 24;
  target[offset + 7] = (low >>> 16) & 0xff;
  target[offset + 8] = (low >>> 8) & 0xff;
  target[offset + 9] = low & 0xff;
  return offset + 10;
}

/** A scratch word used to build masks in the platform's byte order. */
const scratchBytes = new Uint8Array(4);
const scratchWord = new Uint32Array(scratchBytes.buffer);

/** Below this many bytes a byte loop beats setting up a 32-bit view. */
const WORD_THRESHOLD = 32;

/**
 * XORs `data[start, end)` in place with the 4-byte `mask`, where `data[start]` is payload byte
 * number `phase` (so a payload that arrives in pieces is unmasked piece by piece). Unmasking
 * and masking are the same operation. Works word-at-a-time on the aligned middle.
 */
export function applyMask(
  data: Uint8Array,
  mask: Uint8Array,
  maskOffset: number,
  phase: number,
  start = 0,
  end = data.length,
): void {
  let i = start;
  let p = phase & 3;
  if (end - start >= WORD_THRESHOLD) {
    // Bytes until the absolute address is 4-aligned.
    while ((data.byteOffset + i) & 3) {
      data[i++] ^= mask[maskOffset + p]!;
      p = (p + 1) & 3;
    }
    // The mask rotated to the current phase, read as one word in platform byte order.
    scratchBytes[0] = mask[maskOffset + p]!;
    scratchBytes[1] = mask[maskOffset + ((p + 1) & 3)]!;
    scratchBytes[2] = mask[maskOffset + ((p + 2) & 3)]!;
    scratchBytes[3] = mask[maskOffset + ((p + 3) & 3)]!;
    const word = scratchWord[0]!;
    const words = (end - i) >>> 2;
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w]! ^= word;
    i += words << 2;
    // The word loop consumed whole multiples of 4, so the phase is unchanged.
  }
  for (; i < end; i++) {
    data[i] ^= mask[maskOffset + p]!;
    p = (p + 1) & 3;
  }
}

/**
 * Masking keys come from a CSPRNG (§5.3 requires unpredictable keys); one `randomFillSync` call
 * fills a pool for 2,048 keys, so a key costs four byte reads.
 */
const KEY_POOL_SIZE = 8192;
const keyPool = new Uint8Array(KEY_POOL_SIZE);
let keyPoolOffset = KEY_POOL_SIZE;

/** Copies a fresh 4-byte masking key into `target` at `offset`. */
export function writeMaskingKey(target: Uint8Array, offset: number): void {
  if (keyPoolOffset === KEY_POOL_SIZE) {
    randomFillSync(keyPool);
    keyPoolOffset = 0;
  }
  target[offset] = keyPool[keyPoolOffset]!;
  target[offset + 1] = keyPool[keyPoolOffset + 1]!;
  target[offset + 2] = keyPool[keyPoolOffset + 2]!;
  target[offset + 3] = keyPool[keyPoolOffset + 3]!;
  keyPoolOffset += 4;
}
