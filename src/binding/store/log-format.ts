/**
 * The FileStore log format (docs/store.md): an 8-byte magic, then records, each
 *
 *   u32 LE payload length | u32 LE CRC-32 of the payload | payload (UTF-8 JSON object)
 *
 * A record that is short, has a zero or overlong length, a wrong checksum or a payload that is not
 * a well-formed record ends the valid log: that is what a crash mid-append leaves behind.
 */
import { Buffer } from 'node:buffer';
import type { RequestPrimitive } from '../../primitives/model.js';
import { crc32 } from './crc32.js';

/** Names the format and its version; a future format changes the last character. */
export const LOG_MAGIC = Buffer.from('OM2MLOG1', 'latin1');
export const RECORD_HEADER_BYTES = 8;

export type LogRecord =
  /** First record of every file: ids continue from here even if the entries that used them are gone. */
  | { op: 'base'; nextSeq: number }
  | { op: 'put'; id: string; target: string; expiresAt: number; storedAt: number; bytes: number; primitive: RequestPrimitive }
  | { op: 'remove'; id: string }
  | { op: 'clear'; target: string };

/** Frames one record. `primitiveJson` is spliced in as is, so a put serializes its primitive once. */
export function encodeRecord(record: LogRecord, primitiveJson?: string): Buffer {
  let text: string;
  if (record.op === 'put') {
    const { id, target, expiresAt, storedAt, bytes } = record;
    const head = JSON.stringify({ op: 'put', id, target, expiresAt, storedAt, bytes });
    text = `${head.slice(0, -1)},"primitive":${primitiveJson ?? JSON.stringify(record.primitive)}}`;
  } else {
    text = JSON.stringify(record);
  }
  const length = Buffer.byteLength(text, 'utf8');
  const framed = Buffer.allocUnsafe(RECORD_HEADER_BYTES + length);
  framed.write(text, RECORD_HEADER_BYTES, 'utf8');
  framed.writeUInt32LE(length, 0);
  framed.writeUInt32LE(crc32(framed.subarray(RECORD_HEADER_BYTES)), 4);
  return framed;
}

export interface ReadRecord {
  record: LogRecord;
  /** Framed size on disk, header included. */
  size: number;
}

/** Reads records from `start` until the end or the first invalid one; `validEnd` is where that one begins. */
export function readRecords(file: Buffer, start: number): { records: ReadRecord[]; validEnd: number } {
  const records: ReadRecord[] = [];
  let offset = start;
  while (file.length - offset >= RECORD_HEADER_BYTES) {
    const length = file.readUInt32LE(offset);
    const checksum = file.readUInt32LE(offset + 4);
    const payloadStart = offset + RECORD_HEADER_BYTES;
    // A zero length is what a zero-filled tail looks like; its CRC (0) would otherwise match.
    if (length === 0 || length > file.length - payloadStart) break;
    const payload = file.subarray(payloadStart, payloadStart + length);
    if (crc32(payload) !== checksum) break;
    const record = parseRecord(payload);
    if (!record) break;
    records.push({ record, size: RECORD_HEADER_BYTES + length });
    offset = payloadStart + length;
  }
  return { records, validEnd: offset };
}

function parseRecord(payload: Buffer): LogRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  switch (r.op) {
    case 'base':
      return Number.isSafeInteger(r.nextSeq) ? { op: 'base', nextSeq: r.nextSeq as number } : undefined;
    case 'put': {
      const { id, target, expiresAt, storedAt, bytes, primitive } = r;
      const valid = isString(id) && isString(target) && isNumber(expiresAt) && isNumber(storedAt) && isNumber(bytes)
        && typeof primitive === 'object' && primitive !== null && !Array.isArray(primitive);
      return valid ? { op: 'put', id, target, expiresAt, storedAt, bytes, primitive: primitive as RequestPrimitive } : undefined;
    }
    case 'remove':
      return isString(r.id) ? { op: 'remove', id: r.id } : undefined;
    case 'clear':
      return isString(r.target) ? { op: 'clear', target: r.target } : undefined;
    default:
      return undefined;
  }
}
