/**
 * The in-memory state both stores share: one insertion-ordered Map per target, an index by id,
 * byte and count totals, and the limit checks, so MemoryStore and FileStore refuse and expire
 * identically. FileStore adds the log around it.
 */
import type { RequestPrimitive } from '../../primitives/model.js';
import type { StoreLimits, StoredEntry } from './types.js';

interface TargetQueue {
  /** A Map keeps insertion order and removes from the middle in O(1). */
  entries: Map<string, StoredEntry>;
  bytes: number;
}

/** A primitive checked and serialized for storage, before it gets an id. */
export interface PreparedPrimitive {
  /** The UTF-8 JSON FileStore writes and the byte limits count. */
  json: string;
  bytes: number;
  /** A copy parsed back from `json`: callers see after put exactly what they would see after a restart. */
  primitive: RequestPrimitive;
}

export type Preparation = { ok: true; prepared: PreparedPrimitive } | { ok: false; reason: string };

/** Validates put's arguments and serializes the primitive (plain JSON: the model is the JSON tree). */
export function preparePrimitive(target: string, primitive: RequestPrimitive, expiresAt: number, now: number): Preparation {
  if (typeof target !== 'string' || target.length === 0) return { ok: false, reason: 'target must be a non-empty string' };
  if (!Number.isFinite(expiresAt)) return { ok: false, reason: 'expiresAt must be a finite epoch ms' };
  if (expiresAt <= now) return { ok: false, reason: `already expired (expiresAt ${expiresAt} <= now ${now})` };
  let json: string | undefined;
  try {
    json = JSON.stringify(primitive);
  } catch (e) {
    return { ok: false, reason: `primitive is not serializable: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (json === undefined || !json.startsWith('{')) return { ok: false, reason: 'primitive must be an object' };
  return { ok: true, prepared: { json, bytes: Buffer.byteLength(json), primitive: JSON.parse(json) as RequestPrimitive } };
}

export function isExpired(entry: StoredEntry, now: number): boolean {
  return entry.expiresAt <= now;
}

export class Queues {
  private readonly byTarget = new Map<string, TargetQueue>();
  private readonly byId = new Map<string, StoredEntry>();
  private totalBytes = 0;

  constructor(readonly limits: StoreLimits) {}

  /** The limit a new entry of `bytes` for `target` would break, as a reason; undefined if it fits. */
  refusal(target: string, bytes: number): string | undefined {
    const queue = this.byTarget.get(target);
    const count = queue?.entries.size ?? 0;
    const targetBytes = queue?.bytes ?? 0;
    const name = JSON.stringify(target);
    const { maxPerTarget, maxBytesPerTarget, maxTotal, maxBytesTotal } = this.limits;
    if (count + 1 > maxPerTarget) return `maxPerTarget: ${name} already has ${count} of ${maxPerTarget} entries`;
    if (targetBytes + bytes > maxBytesPerTarget) {
      return `maxBytesPerTarget: ${name} would hold ${targetBytes + bytes} of ${maxBytesPerTarget} bytes`;
    }
    if (this.byId.size + 1 > maxTotal) return `maxTotal: the store already holds ${this.byId.size} of ${maxTotal} entries`;
    if (this.totalBytes + bytes > maxBytesTotal) {
      return `maxBytesTotal: the store would hold ${this.totalBytes + bytes} of ${maxBytesTotal} bytes`;
    }
    return undefined;
  }

  /** Appends without checking limits: replay must restore what was stored even if limits shrank since. */
  add(entry: StoredEntry): void {
    let queue = this.byTarget.get(entry.target);
    if (!queue) {
      queue = { entries: new Map(), bytes: 0 };
      this.byTarget.set(entry.target, queue);
    }
    queue.entries.set(entry.id, entry);
    queue.bytes += entry.bytes;
    this.byId.set(entry.id, entry);
    this.totalBytes += entry.bytes;
  }

  get(id: string): StoredEntry | undefined {
    return this.byId.get(id);
  }

  delete(id: string): StoredEntry | undefined {
    const entry = this.byId.get(id);
    if (!entry) return undefined;
    const queue = this.byTarget.get(entry.target)!;
    queue.entries.delete(id);
    queue.bytes -= entry.bytes;
    if (queue.entries.size === 0) this.byTarget.delete(entry.target);
    this.byId.delete(id);
    this.totalBytes -= entry.bytes;
    return entry;
  }

  /** The target's entries in order (a snapshot). */
  list(target: string): StoredEntry[] {
    return [...(this.byTarget.get(target)?.entries.values() ?? [])];
  }

  /** Every entry, each target's in order. */
  all(): StoredEntry[] {
    return [...this.byId.values()];
  }

  /** Expired entries of one target, or of all targets, without removing them. */
  expired(now: number, target?: string): StoredEntry[] {
    const candidates = target === undefined ? this.byId.values() : (this.byTarget.get(target)?.entries.values() ?? []);
    return [...candidates].filter((entry) => isExpired(entry, now));
  }

  targets(): string[] {
    return [...this.byTarget.keys()];
  }

  stats(): { entries: number; bytes: number } {
    return { entries: this.byId.size, bytes: this.totalBytes };
  }
}
