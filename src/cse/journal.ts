/**
 * Durable resource state: an append-only JSON-lines log in `<dataDir>/resources.jsonl`.
 *
 * Each line is one record, `{"put": <resource>}` (created or replaced) or `{"del": "<ri>"}`
 * (the resource and its whole subtree removed), written and fsync'ed before the operation
 * answers. On start the log is replayed in order; a torn last line (a crash in the middle of a
 * write) is cut off. When the log holds far more records than live resources it is compacted:
 * the live resources are written to a new file (parents before children, in creation order),
 * fsync'ed, and renamed over the log, so a crash at any point leaves one complete file.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, ftruncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../binding/index.js';
import type { Resource } from './resource.js';

export type JournalRecord = { put: Resource } | { del: string };

export interface Journal {
  append(record: JournalRecord): void;
  /** Rewrites the log from the live resources when it has grown large enough to be worth it. */
  compactIfNeeded(live: () => Iterable<Resource>, liveCount: number): void;
  close(): void;
}

/** `dataDir: null`: nothing is written. */
export class MemoryJournal implements Journal {
  append(): void {}
  compactIfNeeded(): void {}
  close(): void {}
}

export const JOURNAL_FILE_NAME = 'resources.jsonl';
const COMPACT_MIN_RECORDS = 1000;

export class FileJournal implements Journal {
  private fd: number;
  private records: number;

  private constructor(private readonly path: string, fd: number, records: number) {
    this.fd = fd;
    this.records = records;
  }

  /** Opens (creating) the log in `dir` and returns it with the records to replay. */
  static open(dir: string, log: Logger): { journal: FileJournal; records: JournalRecord[] } {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, JOURNAL_FILE_NAME);
    const records: JournalRecord[] = [];
    let goodBytes = 0;
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      let start = 0;
      while (start < text.length) {
        const end = text.indexOf('\n', start);
        if (end < 0) {
          log.warn(`${path}: dropping a torn last record (${text.length - start} bytes)`);
          break;
        }
        const line = text.slice(start, end);
        const record = parseRecord(line);
        if (record === undefined) log.warn(`${path}: skipping an unreadable record at byte ${goodBytes}`);
        else records.push(record);
        start = end + 1;
        goodBytes += Buffer.byteLength(line) + 1;
      }
    }
    const fd = openSync(path, 'a+');
    ftruncateSync(fd, goodBytes);
    return { journal: new FileJournal(path, fd, records.length), records };
  }

  append(record: JournalRecord): void {
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.fd);
    this.records++;
  }

  compactIfNeeded(live: () => Iterable<Resource>, liveCount: number): void {
    if (this.records < COMPACT_MIN_RECORDS || this.records < 2 * liveCount) return;
    const temporary = `${this.path}.compact`;
    const fd = openSync(temporary, 'w');
    let count = 0;
    try {
      let chunk = '';
      for (const resource of live()) {
        chunk += `${JSON.stringify({ put: resource })}\n`;
        count++;
        if (chunk.length > 1 << 20) {
          writeSync(fd, chunk);
          chunk = '';
        }
      }
      writeSync(fd, chunk);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.records = count;
  }

  close(): void {
    closeSync(this.fd);
  }
}

function parseRecord(line: string): JournalRecord | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null) return undefined;
    if (Object.hasOwn(value, 'put')) {
      const put = (value as { put: unknown }).put;
      if (typeof put === 'object' && put !== null && typeof (put as Resource).ri === 'string') return { put: put as Resource };
    }
    if (Object.hasOwn(value, 'del') && typeof (value as { del: unknown }).del === 'string') return { del: (value as { del: string }).del };
  } catch {
    // fall through: unreadable
  }
  return undefined;
}
