/**
 * The durable PrimitiveStore: an append-only log in a data directory (format in log-format.ts,
 * guarantees in docs/store.md). The in-memory queues are the truth while running; the log is
 * replayed into them on open. Every write is synchronous, so when put returns ok the record has
 * reached the kernel (and the disk, with fsync 'always').
 */
import { Buffer } from 'node:buffer';
import {
  closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { RequestPrimitive } from '../../primitives/model.js';
import { resolveStoreLimits } from './limits.js';
import { encodeRecord, LOG_MAGIC, readRecords, type LogRecord } from './log-format.js';
import { preparePrimitive, Queues } from './queues.js';
import type { PrimitiveStore, PutResult, StoreLimits, StoredEntry } from './types.js';

export type FsyncPolicy = 'always' | 'batch' | 'never';

export interface FileStoreOptions {
  limits?: Partial<StoreLimits>;
  /** Default 'always'. See docs/store.md for what each policy survives. */
  fsync?: FsyncPolicy;
  /** Compact when dead bytes exceed `compactRatio` times live bytes (default 1)... */
  compactRatio?: number;
  /** ...and the file is larger than this (default 1 MiB). */
  compactMinBytes?: number;
}

export const LOG_FILE_NAME = 'primitives.log';
const COMPACT_FILE_NAME = 'primitives.log.compact';
const BATCH_FSYNC_INTERVAL_MS = 50;
const DEFAULT_COMPACT_MIN_BYTES = 1024 * 1024;
const COMPACTION_WRITE_BYTES = 1024 * 1024;
/** `fd` after a compaction could not reopen the log. */
const NO_FILE = -1;

/** Directories open in this process: two stores appending to one log would corrupt it. */
const openDirectories = new Set<string>();

/** What open found in the log, for the host's startup log line. */
export interface RecoveryReport {
  records: number;
  /** Bytes of a torn or corrupt tail that were cut off (0 after a clean shutdown). */
  discardedBytes: number;
}

export class FileStore implements PrimitiveStore {
  readonly recovery: RecoveryReport;
  private readonly queues: Queues;
  private readonly logPath: string;
  private fd: number;
  private nextSeq: number;
  /** On-disk size of each live entry's put record, to know how much of the file is dead. */
  private recordSizes = new Map<string, number>();
  private liveRecordBytes = 0;
  private headerBytes: number;
  private fileBytes: number;
  private fsyncTimer: NodeJS.Timeout | undefined;
  private lastRemovalError: Error | undefined;
  /**
   * Set when the log can no longer be trusted (a failed background fsync, a failed write that
   * could not be cut back, a log that could not be reopened): puts are refused from then on.
   */
  private failure: Error | undefined;
  private closed = false;

  static async open(dir: string, options: FileStoreOptions = {}): Promise<FileStore> {
    const limits = resolveStoreLimits(options.limits);
    const fsync = options.fsync ?? 'always';
    if (!['always', 'batch', 'never'].includes(fsync)) throw new RangeError(`unknown fsync policy ${String(fsync)}`);
    const compactRatio = options.compactRatio ?? 1;
    const compactMinBytes = options.compactMinBytes ?? DEFAULT_COMPACT_MIN_BYTES;
    if (!(compactRatio > 0)) throw new RangeError('compactRatio must be positive');
    if (!(compactMinBytes >= 0)) throw new RangeError('compactMinBytes must be non-negative');

    mkdirSync(dir, { recursive: true });
    const directory = realpathSync(dir);
    if (openDirectories.has(directory)) throw new Error(`a FileStore is already open on ${directory}`);
    openDirectories.add(directory);
    try {
      return new FileStore(directory, limits, fsync, compactRatio, compactMinBytes);
    } catch (e) {
      openDirectories.delete(directory);
      throw e;
    }
  }

  private constructor(
    private readonly directory: string,
    limits: StoreLimits,
    private readonly fsyncPolicy: FsyncPolicy,
    private readonly compactRatio: number,
    private readonly compactMinBytes: number,
  ) {
    this.queues = new Queues(limits);
    this.logPath = join(directory, LOG_FILE_NAME);
    // A compaction that crashed before its rename left only a partial copy; the log is intact.
    rmSync(join(directory, COMPACT_FILE_NAME), { force: true });

    const existing = existsSync(this.logPath) ? readFileSync(this.logPath) : Buffer.alloc(0);
    if (existing.length === 0) {
      this.nextSeq = 1;
      this.recovery = { records: 0, discardedBytes: 0 };
      this.writeFreshLog();
      this.headerBytes = this.fileBytes = this.currentHeader().length;
    } else {
      if (!existing.subarray(0, LOG_MAGIC.length).equals(LOG_MAGIC)) {
        throw new Error(`${this.logPath} is not a onem2m-ws primitive log (bad magic); refusing to touch it`);
      }
      const { records, validEnd } = readRecords(existing, LOG_MAGIC.length);
      this.nextSeq = 1;
      this.headerBytes = LOG_MAGIC.length;
      for (const { record, size } of records) this.replay(record, size);
      if (validEnd < existing.length) this.truncateLog(validEnd);
      this.fileBytes = validEnd;
      this.recovery = { records: records.length, discardedBytes: existing.length - validEnd };
    }
    this.fd = openSync(this.logPath, 'a');
  }

  get limits(): Readonly<StoreLimits> {
    return this.queues.limits;
  }

  /** The last failed removal or compaction write: harmless for correctness, worth logging. */
  get lastWriteError(): Error | undefined {
    return this.lastRemovalError;
  }

  /** Current size of the log file, for monitoring and tests. */
  get logBytes(): number {
    return this.fileBytes;
  }

  put(target: string, primitive: RequestPrimitive, expiresAt: number): PutResult {
    this.assertOpen();
    if (this.failure) return { ok: false, reason: `store unavailable: ${this.failure.message}` };
    const now = Date.now();
    const preparation = preparePrimitive(target, primitive, expiresAt, now);
    if (!preparation.ok) return preparation;
    const { prepared } = preparation;
    const reason = this.queues.refusal(target, prepared.bytes);
    if (reason !== undefined) return { ok: false, reason };

    const entry: StoredEntry = Object.freeze({
      id: String(this.nextSeq), target, primitive: prepared.primitive, expiresAt, storedAt: now, bytes: prepared.bytes,
    });
    const record = encodeRecord({ op: 'put', ...entry }, prepared.json);
    try {
      this.append(record);
    } catch (e) {
      return { ok: false, reason: `write failed: ${toError(e).message}` };
    }
    this.nextSeq++;
    this.queues.add(entry);
    this.recordSizes.set(entry.id, record.length);
    this.liveRecordBytes += record.length;
    return { ok: true, entry };
  }

  pending(target: string, now = Date.now()): StoredEntry[] {
    this.assertOpen();
    this.drop(this.queues.expired(now, target));
    return this.queues.list(target);
  }

  remove(id: string): void {
    this.assertOpen();
    const entry = this.queues.get(id);
    if (entry) this.drop([entry]);
  }

  expire(now = Date.now()): StoredEntry[] {
    this.assertOpen();
    const expired = this.queues.expired(now);
    this.drop(expired);
    return expired;
  }

  clear(target: string): void {
    this.assertOpen();
    const entries = this.queues.list(target);
    if (entries.length === 0) return;
    this.forget(entries);
    this.logRemoval(encodeRecord({ op: 'clear', target }));
  }

  targets(): string[] {
    return this.queues.targets();
  }

  stats(): { entries: number; bytes: number } {
    return this.queues.stats();
  }

  /** Rewrites the live entries to a new file and renames it over the log. Runs by itself when worth it. */
  compact(): void {
    this.assertOpen();
    const temporaryPath = join(this.directory, COMPACT_FILE_NAME);
    const recordSizes = new Map<string, number>();
    const header = this.currentHeader();
    let fileBytes = header.length;
    try {
      const fd = openSync(temporaryPath, 'w');
      try {
        // Records are gathered into ~1 MiB writes: one syscall per record would dominate.
        let chunk: Buffer[] = [header];
        let chunkBytes = header.length;
        for (const entry of this.queues.all()) {
          const record = encodeRecord({ op: 'put', ...entry });
          chunk.push(record);
          chunkBytes += record.length;
          recordSizes.set(entry.id, record.length);
          fileBytes += record.length;
          if (chunkBytes >= COMPACTION_WRITE_BYTES) {
            writeAll(fd, Buffer.concat(chunk, chunkBytes));
            chunk = [];
            chunkBytes = 0;
          }
        }
        writeAll(fd, Buffer.concat(chunk, chunkBytes));
        // Whatever the policy: the rename must never expose a file whose content is not on disk.
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporaryPath, this.logPath);
    } catch (e) {
      rmSync(temporaryPath, { force: true });
      throw e;
    }
    syncDirectory(this.directory);

    closeSync(this.fd);
    try {
      this.fd = openSync(this.logPath, 'a');
    } catch (e) {
      this.fd = NO_FILE;
      this.failure = toError(e);
      throw e;
    }
    this.recordSizes = recordSizes;
    this.liveRecordBytes = fileBytes - header.length;
    this.headerBytes = header.length;
    this.fileBytes = fileBytes;
  }

  /** Flushes (fsync) and closes the log. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelBatchFsync();
    try {
      if (!this.failure) fsyncSync(this.fd);
    } finally {
      if (this.fd !== NO_FILE) closeSync(this.fd);
      openDirectories.delete(this.directory);
    }
  }

  // -------------------------------------------------------------------------------------------

  private replay(record: LogRecord, size: number): void {
    switch (record.op) {
      case 'base':
        this.nextSeq = Math.max(this.nextSeq, record.nextSeq);
        this.headerBytes += size;
        return;
      case 'put': {
        if (this.queues.get(record.id)) return; // never written twice; ignore rather than double count
        const { id, target, primitive, expiresAt, storedAt, bytes } = record;
        this.queues.add(Object.freeze({ id, target, primitive, expiresAt, storedAt, bytes }));
        this.recordSizes.set(id, size);
        this.liveRecordBytes += size;
        const seq = Number(id);
        if (Number.isSafeInteger(seq)) this.nextSeq = Math.max(this.nextSeq, seq + 1);
        return;
      }
      case 'remove':
        this.forget([this.queues.get(record.id)].filter((e) => e !== undefined));
        return;
      case 'clear':
        this.forget(this.queues.list(record.target));
        return;
    }
  }

  /**
   * Drops entries from memory, then logs their removal (one write, one fsync). Removal is
   * best-effort on disk: if the write fails, the entries come back after a restart (delivered
   * at least once, or expired again), so the failure is kept in `lastWriteError`, not thrown.
   */
  private drop(entries: StoredEntry[]): void {
    if (entries.length === 0) return;
    this.forget(entries);
    this.logRemoval(Buffer.concat(entries.map((entry) => encodeRecord({ op: 'remove', id: entry.id }))));
  }

  private logRemoval(data: Buffer): void {
    try {
      this.append(data);
    } catch (e) {
      this.lastRemovalError = toError(e);
    }
    this.compactIfWorthIt();
  }

  private forget(entries: StoredEntry[]): void {
    for (const entry of entries) {
      this.queues.delete(entry.id);
      this.liveRecordBytes -= this.recordSizes.get(entry.id) ?? 0;
      this.recordSizes.delete(entry.id);
    }
  }

  /** Compaction is an optimisation: if it fails the log is unchanged and stays valid. */
  private compactIfWorthIt(): void {
    if (this.failure) return;
    const deadBytes = this.fileBytes - this.headerBytes - this.liveRecordBytes;
    if (this.fileBytes <= this.compactMinBytes || deadBytes <= this.compactRatio * this.liveRecordBytes) return;
    try {
      this.compact();
    } catch (e) {
      this.lastRemovalError = toError(e);
    }
  }

  /**
   * Appends whole records and applies the fsync policy. On failure the file is cut back to its
   * previous end, so a half-written record never sits in front of later ones.
   */
  private append(data: Buffer): void {
    if (this.failure) throw this.failure;
    try {
      writeAll(this.fd, data);
      if (this.fsyncPolicy === 'always') fsyncSync(this.fd);
    } catch (e) {
      try {
        ftruncateSync(this.fd, this.fileBytes);
      } catch {
        this.failure = new Error(`log ${this.logPath} could not be repaired after a failed write`);
      }
      throw e;
    }
    this.fileBytes += data.length;
    if (this.fsyncPolicy === 'batch') this.scheduleBatchFsync();
  }

  private scheduleBatchFsync(): void {
    if (this.fsyncTimer) return;
    this.fsyncTimer = setTimeout(() => {
      this.fsyncTimer = undefined;
      try {
        fsyncSync(this.fd);
      } catch (e) {
        this.failure = toError(e);
      }
    }, BATCH_FSYNC_INTERVAL_MS);
    // The data is already in the kernel: a pending fsync must not keep the process alive.
    this.fsyncTimer.unref();
  }

  private cancelBatchFsync(): void {
    if (this.fsyncTimer) clearTimeout(this.fsyncTimer);
    this.fsyncTimer = undefined;
  }

  private currentHeader(): Buffer {
    return Buffer.concat([LOG_MAGIC, encodeRecord({ op: 'base', nextSeq: this.nextSeq })]);
  }

  /** Creates the log atomically, so a crash never leaves a file without its magic. */
  private writeFreshLog(): void {
    const temporaryPath = join(this.directory, COMPACT_FILE_NAME);
    const fd = openSync(temporaryPath, 'w');
    try {
      writeAll(fd, this.currentHeader());
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporaryPath, this.logPath);
    syncDirectory(this.directory);
  }

  /** Cuts off a torn or corrupt tail, so new records follow the last valid one. */
  private truncateLog(validEnd: number): void {
    const fd = openSync(this.logPath, 'r+');
    try {
      ftruncateSync(fd, validEnd);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('FileStore is closed');
  }
}

function writeAll(fd: number, data: Buffer): void {
  let written = 0;
  while (written < data.length) written += writeSync(fd, data, written, data.length - written);
}

/** Makes a rename durable. Some platforms (Windows) cannot fsync a directory; the rename still happened. */
function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
